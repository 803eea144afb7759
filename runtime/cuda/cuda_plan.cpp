// The CUDA plan's JSON form, embedded in a trainer's program.
#include "runtime/cuda/cuda_plan.h"

#include <algorithm>

#include "ir/error.h"

namespace graphc::runtime::cuda {

using nlohmann::json;
using namespace plan_json;

namespace {
constexpr const char* kPlan = "cuda plan";
}  // namespace

int64_t CublasGemm::packed_a_elements(int64_t n) const {
  return packed_a ? groups * m.at(n) * batch.at(n) * k.at(n) : 0;
}

int64_t CublasGemm::packed_b_elements(int64_t n) const {
  return packed_b ? groups * batch.at(n) * k.at(n) * n_cols.at(n) : 0;
}

int64_t CudaLaunch::threads_wanted(int64_t n) const {
  int64_t threads = 1;
  for (const Size& f : work) threads *= std::max<int64_t>(f.at(n), 0);
  return threads;
}

namespace {

json size_json(const Size& s) { return json::array({s.constant, s.per_n}); }

Size size_from(const json& j, const std::string& where) {
  if (!j.is_array() || j.size() != 2 || !j[0].is_number_integer() || !j[1].is_number_integer())
    throw Error(cat(kPlan, ": ", where, " must be a [constant, per_n] integer pair"));
  return {j[0].get<int64_t>(), j[1].get<int64_t>()};
}

// The CublasGemm fields that are sizes, by name, for both directions.
template <typename Gemm, typename F>
void for_each_size(Gemm& g, F f) {
  f("m", g.m), f("n_cols", g.n_cols), f("k", g.k), f("lda", g.lda), f("ldb", g.ldb), f("ldc", g.ldc);
  f("batch", g.batch), f("a_batch_stride", g.a_batch_stride), f("b_batch_stride", g.b_batch_stride);
  f("c_batch_stride", g.c_batch_stride), f("a_group_stride", g.a_group_stride);
  f("b_group_stride", g.b_group_stride), f("c_group_stride", g.c_group_stride);
}

int block_threads_from(const json& j, const std::string& where) {
  const int64_t block = non_negative(j, "block_threads", kPlan, where);
  if (block < 1 || block > 1024) throw Error(cat(kPlan, ": ", where, ".block_threads must be 1 to 1024"));
  return static_cast<int>(block);
}

json packed_json(const PackedOperand& p) {
  json work = json::array();
  for (const Size& f : p.work) work.push_back(size_json(f));
  return {{"function", p.function}, {"block_threads", p.block_threads}, {"work", work}};
}

PackedOperand packed_from(const json& j, const std::string& where) {
  PackedOperand p;
  p.function = text(j, "function", kPlan, where);
  p.block_threads = block_threads_from(j, where);
  const json& work = field(j, "work", kPlan, where);
  if (!work.is_array()) throw Error(cat(kPlan, ": ", where, ".work must be an array"));
  for (size_t w = 0; w < work.size(); ++w) p.work.push_back(size_from(work[w], cat(where, ".work[", w, "]")));
  return p;
}

json cublas_json(const CublasGemm& g) {
  json j = {{"a", g.a},         {"b", g.b},         {"c", g.c},          {"transpose_a", g.transpose_a},
            {"transpose_b", g.transpose_b}, {"alpha", g.alpha}, {"beta", g.beta}, {"groups", g.groups}};
  for_each_size(g, [&](const char* name, const Size& s) { j[name] = size_json(s); });
  j["reduce_batch"] = g.reduce_batch;
  if (g.packed_a) j["packed_a"] = packed_json(*g.packed_a);
  if (g.packed_b) j["packed_b"] = packed_json(*g.packed_b);
  if (g.implicit) j["implicit"] = packed_json(*g.implicit);
  return j;
}

CublasGemm cublas_from(const json& j, const std::string& where) {
  CublasGemm g;
  auto index = [&](const char* key) { return static_cast<int>(non_negative(j, key, kPlan, where)); };
  auto flag = [&](const char* key) {
    const json& v = field(j, key, kPlan, where);
    if (!v.is_boolean()) throw Error(cat(kPlan, ": ", where, ".", key, " must be true or false"));
    return v.get<bool>();
  };
  auto number = [&](const char* key) {
    const json& v = field(j, key, kPlan, where);
    if (!v.is_number()) throw Error(cat(kPlan, ": ", where, ".", key, " must be a number"));
    return v.get<double>();
  };
  g.a = index("a"), g.b = index("b"), g.c = index("c");
  g.transpose_a = flag("transpose_a"), g.transpose_b = flag("transpose_b");
  g.alpha = number("alpha"), g.beta = number("beta");
  g.groups = non_negative(j, "groups", kPlan, where);
  for_each_size(g, [&](const char* name, Size& s) { s = size_from(field(j, name, kPlan, where), cat(where, ".", name)); });
  g.reduce_batch = flag("reduce_batch");
  if (j.contains("packed_a")) g.packed_a = packed_from(j.at("packed_a"), where + ".packed_a");
  if (j.contains("packed_b")) g.packed_b = packed_from(j.at("packed_b"), where + ".packed_b");
  if (j.contains("implicit")) g.implicit = packed_from(j.at("implicit"), where + ".implicit");
  if (g.reduce_batch && !(g.packed_a && g.packed_b))
    throw Error(cat(kPlan, ": ", where, " reduces the batch without packed_a and packed_b"));
  return g;
}

}  // namespace

json cuda_plan_to_json(const CudaPlan& plan) {
  json kernels = json::array();
  for (const CudaKernelLaunches& k : plan.kernels) {
    json launches = json::array();
    for (const CudaLaunch& l : k.launches) {
      json work = json::array();
      for (const Size& f : l.work) work.push_back(size_json(f));
      json launch = {{"function", l.function}, {"block_threads", l.block_threads}, {"work", work}};
      if (l.cublas) launch["cublas"] = cublas_json(*l.cublas);
      launches.push_back(std::move(launch));
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
      launch.block_threads = block_threads_from(launches[l], lat);
      const json& work = field(launches[l], "work", kPlan, lat);
      if (!work.is_array()) throw Error(cat(kPlan, ": ", lat, ".work must be an array"));
      for (size_t w = 0; w < work.size(); ++w) launch.work.push_back(size_from(work[w], cat(lat, ".work[", w, "]")));
      if (launches[l].contains("cublas")) launch.cublas = cublas_from(launches[l].at("cublas"), lat + ".cublas");
      k.launches.push_back(std::move(launch));
    }
    p.kernels.push_back(std::move(k));
  }
  p.train = graph_plan_from_json(field(j, "train", kPlan, "plan"), kPlan, "train");
  p.eval = graph_plan_from_json(field(j, "eval", kPlan, "plan"), kPlan, "eval");
  return p;
}

}  // namespace graphc::runtime::cuda
