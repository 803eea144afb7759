// What the compiled CPU backend needs at run time besides the kernels
// themselves: the CPU they were compiled for, and for each graph (training
// step, eval step) its plan of kernel calls (runtime/graph_plan.h).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "runtime/graph_plan.h"

namespace graphc::runtime::cpu {

struct CpuPlan {
  std::string target_cpu;  // what the kernels were compiled for (LLVM CPU name)
  std::string target_features;
  GraphPlan train;
  GraphPlan eval;
};

nlohmann::json cpu_plan_to_json(const CpuPlan& plan);
// Throws graphc::Error naming the field that is wrong.
CpuPlan cpu_plan_from_json(const nlohmann::json& j);

}  // namespace graphc::runtime::cpu
