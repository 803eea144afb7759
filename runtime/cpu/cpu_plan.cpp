// The CPU plan's JSON form, embedded in a trainer's program.
#include "runtime/cpu/cpu_plan.h"

namespace graphc::runtime::cpu {

using nlohmann::json;

namespace {
constexpr const char* kPlan = "cpu plan";
}

json cpu_plan_to_json(const CpuPlan& plan) {
  return {{"target_cpu", plan.target_cpu},
          {"target_features", plan.target_features},
          {"train", graph_plan_to_json(plan.train)},
          {"eval", graph_plan_to_json(plan.eval)}};
}

CpuPlan cpu_plan_from_json(const json& j) {
  CpuPlan p;
  p.target_cpu = plan_json::text(j, "target_cpu", kPlan, "plan");
  p.target_features = plan_json::text(j, "target_features", kPlan, "plan");
  p.train = graph_plan_from_json(plan_json::field(j, "train", kPlan, "plan"), kPlan, "train");
  p.eval = graph_plan_from_json(plan_json::field(j, "eval", kPlan, "plan"), kPlan, "eval");
  return p;
}

}  // namespace graphc::runtime::cpu
