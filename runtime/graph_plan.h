// How a compiled backend runs one graph (training step or eval step): the
// kernel calls in order, where each kernel argument lives, and where each
// graph output can be found afterwards. graphc derives it from the fusion
// plan, the memory plan and the lowered kernels (codegen/compile_cpu.h);
// every compiled backend (CPU, CUDA) carries one per graph inside the
// trainer's embedded program, next to the code it describes, so an executor
// binds pointers without redoing any compilation work.
//
// Offsets are bytes into the executor's two allocations per graph: the
// planned arena (intermediates, sized for the program's max_batch) and the
// kernel scratch area (values a kernel materialises for itself; calls run
// one after another, so every call's scratch starts at offset 0).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace graphc::runtime {

enum class Storage {
  arena,      // offset into the planned arena
  scratch,    // offset into the kernel scratch area
  input,      // the graph input `name` (data, labels, seed), staged by the executor
  parameter,  // the value of parameter `name` in the ParameterStore
  gradient,   // the gradient slot of parameter `name` in the ParameterStore
  constant,   // no storage: every element is `value` (an output that folded to a constant)
};

struct BufferRef {
  Storage storage = Storage::arena;
  int64_t offset = 0;  // arena, scratch
  std::string name;    // input, parameter, gradient
  double value = 0;    // constant
  bool operator==(const BufferRef&) const = default;
};

struct KernelCall {
  std::string kernel;              // the kernel's name in the compiled code
  std::vector<BufferRef> buffers;  // the kernel's buffers, in its calling convention's order
  std::string what;                // what the fused group computes (passes::summarize_group), for profiles
};

struct PlannedOutput {
  std::string name;  // the graph output's name
  BufferRef at;
};

struct GraphPlan {
  int64_t arena_bytes = 0;
  int64_t scratch_bytes = 0;
  std::vector<KernelCall> calls;
  std::vector<PlannedOutput> outputs;  // one per graph output, in the graph's order
};

std::string storage_name(Storage s);

nlohmann::json graph_plan_to_json(const GraphPlan& plan);
// Throws graphc::Error "<plan>: <where>... <what is wrong>"; `plan` names the
// backend's plan ("cpu plan"), `where` the graph ("train").
GraphPlan graph_plan_from_json(const nlohmann::json& j, const std::string& plan, const std::string& where);

// Field readers for the plans' JSON, with the same error style.
namespace plan_json {
const nlohmann::json& field(const nlohmann::json& j, const char* key, const std::string& plan,
                            const std::string& where);
int64_t non_negative(const nlohmann::json& j, const char* key, const std::string& plan, const std::string& where);
std::string text(const nlohmann::json& j, const char* key, const std::string& plan, const std::string& where);
}  // namespace plan_json

}  // namespace graphc::runtime
