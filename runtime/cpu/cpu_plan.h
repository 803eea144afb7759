// What the compiled CPU backend needs at run time besides the kernels
// themselves: for each graph (training step, eval step) the kernel calls in
// order, where each kernel argument lives, and where each graph output can
// be found afterwards. graphc derives it from the fusion plan, the memory
// plan and the lowered kernels (codegen/compile_cpu.h); the trainer carries
// it inside its embedded program, next to the object code it describes, so
// the executor binds pointers without redoing any compilation work.
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

#include "ir/graph.h"

namespace graphc::runtime::cpu {

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
  std::string kernel;              // its symbol in the object file
  std::vector<BufferRef> buffers;  // the kernel's buffers, in its calling convention's order
};

struct PlannedOutput {
  std::string name;  // the graph output's name
  BufferRef at;
};

struct CpuGraphPlan {
  int64_t arena_bytes = 0;
  int64_t scratch_bytes = 0;
  std::vector<KernelCall> calls;
  std::vector<PlannedOutput> outputs;  // one per graph output, in the graph's order
};

struct CpuPlan {
  std::string target_cpu;  // what the kernels were compiled for (LLVM CPU name)
  std::string target_features;
  CpuGraphPlan train;
  CpuGraphPlan eval;
};

std::string storage_name(Storage s);
nlohmann::json cpu_plan_to_json(const CpuPlan& plan);
// Throws graphc::Error naming the field that is wrong.
CpuPlan cpu_plan_from_json(const nlohmann::json& j);

}  // namespace graphc::runtime::cpu
