// The CUDA plan's JSON form, embedded in a trainer's program.
#include "runtime/cuda/cuda_plan.h"

#include <algorithm>

#include "ir/error.h"

namespace graphc::runtime::cuda {

using nlohmann::json;
using namespace plan_json;

namespace {
constexpr const char* kPlan = "cuda plan";
}

int64_t CudaLaunch::threads_wanted(int64_t n) const {
  int64_t threads = 1;
  for (const WorkFactor& f : work) threads *= std::max<int64_t>(f.constant + f.per_n * n, 0);
  return threads;
}

json cuda_plan_to_json(const CudaPlan& plan) {
  json kernels = json::array();
  for (const CudaKernelLaunches& k : plan.kernels) {
    json launches = json::array();
    for (const CudaLaunch& l : k.launches) {
      json work = json::array();
      for (const WorkFactor& f : l.work) work.push_back({f.constant, f.per_n});
      launches.push_back({{"function", l.function}, {"block_threads", l.block_threads}, {"work", work}});
    }
    kernels.push_back({{"kernel", k.kernel}, {"launches", launches}});
  }
  return {{"arch", plan.arch},
          {"kernels", kernels},
          {"train", graph_plan_to_json(plan.train)},
          {"eval", graph_plan_to_json(plan.eval)}};
}

CudaPlan cuda_plan_from_json(const json& j) {
  CudaPlan p;
  p.arch = text(j, "arch", kPlan, "plan");
  const json& kernels = field(j, "kernels", kPlan, "plan");
  if (!kernels.is_array()) throw Error(cat(kPlan, ": plan.kernels must be an array"));
  for (size_t i = 0; i < kernels.size(); ++i) {
    const std::string at = cat("kernels[", i, "]");
    CudaKernelLaunches k;
    k.kernel = text(kernels[i], "kernel", kPlan, at);
    const json& launches = field(kernels[i], "launches", kPlan, at);
    if (!launches.is_array() || launches.empty())
      throw Error(cat(kPlan, ": ", at, ".launches must be a non-empty array"));
    for (size_t l = 0; l < launches.size(); ++l) {
      const std::string lat = cat(at, ".launches[", l, "]");
      CudaLaunch launch;
      launch.function = text(launches[l], "function", kPlan, lat);
      const int64_t block = non_negative(launches[l], "block_threads", kPlan, lat);
      if (block < 1 || block > 1024) throw Error(cat(kPlan, ": ", lat, ".block_threads must be 1 to 1024"));
      launch.block_threads = static_cast<int>(block);
      const json& work = field(launches[l], "work", kPlan, lat);
      if (!work.is_array()) throw Error(cat(kPlan, ": ", lat, ".work must be an array"));
      for (const json& f : work) {
        if (!f.is_array() || f.size() != 2 || !f[0].is_number_integer() || !f[1].is_number_integer())
          throw Error(cat(kPlan, ": ", lat, ".work must hold [constant, per_n] integer pairs"));
        launch.work.push_back({f[0].get<int64_t>(), f[1].get<int64_t>()});
      }
      k.launches.push_back(std::move(launch));
    }
    p.kernels.push_back(std::move(k));
  }
  p.train = graph_plan_from_json(field(j, "train", kPlan, "plan"), kPlan, "train");
  p.eval = graph_plan_from_json(field(j, "eval", kPlan, "plan"), kPlan, "eval");
  return p;
}

}  // namespace graphc::runtime::cuda
