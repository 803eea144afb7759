// The compiled program a trainer executable carries: the joint training graph
// (forward, backward, one gradient output per trainable parameter, state
// updates), the eval graph, the recipe, and the largest batch the buffers are
// planned for. graphc writes it; the runtime reads it back at start-up. The
// form is backend-independent: every executor (the reference interpreter,
// the compiled CPU and CUDA backends) starts from it.
#pragma once

#include <cstdint>
#include <string>
#include <optional>
#include <string_view>

#include "ir/graph.h"
#include "ir/recipe.h"
#include "runtime/cpu/cpu_plan.h"
#include "runtime/cuda/cuda_plan.h"

namespace graphc::runtime {

inline constexpr std::string_view kProgramFormat = "graphc-program";
inline constexpr int kProgramVersion = 1;

// The devices a trainer runs on (--device): "cpu", "cuda", "interpreter".
bool is_device_name(std::string_view name);

struct Program {
  std::string model;
  Recipe recipe;
  int64_t max_batch = 0;  // run-time batches may be any size up to this
  Graph train;            // joint training graph
  Graph eval;             // forward graph in eval mode
  // How the compiled CPU kernels linked into the trainer run these graphs;
  // absent when the trainer carries no compiled code (the interpreter runs).
  std::optional<cpu::CpuPlan> cpu;
  // How the CUDA module embedded in the trainer runs them; absent when the
  // trainer carries no GPU code.
  std::optional<cuda::CudaPlan> cuda;
  // The trainer's --device when none is given: the first target graphc was
  // asked for ("cpu", "cuda"; "cpu" for interpreter-only trainers, where
  // cpu falls back to the interpreter).
  std::string default_device = "cpu";

  // Identifies the training computation and recipe: a checkpoint written by
  // one program is refused by another. How it is compiled (max_batch, the
  // backend plans, the default device) is not part of it: any backend resumes any checkpoint. Hex FNV-1a of the canonical JSON.
  std::string fingerprint() const;
};

std::string program_to_json_text(const Program& p);
// Throws graphc::Error naming what is wrong; both graphs are verified.
Program program_from_json_text(std::string_view text);

}  // namespace graphc::runtime
