// Memory planning: where every value of a training step lives. Values that
// cross a kernel boundary get an offset in one arena, planned from their
// lifetimes over the kernel sequence so buffers that are never live at once
// share bytes; parameters and gradients get flat buffers of their own (see
// flat_layout.h). The executor allocates the arena once, at the size planned
// for the largest batch, and every step reuses it.
//
// Where each value lives:
//   graph inputs (data, labels, state, seed)  fed by the caller, not planned
//   parameters                                the flat parameter buffer
//   constants, batch_size                     immediates of the kernels
//   gradient outputs                          written by the kernel that computes them straight
//                                             into the flat gradient buffer, at the
//                                             parameter's slot: no arena bytes and no copy
//                                             (a value that is the gradient of several
//                                             parameters, or is not computed, is copied to
//                                             the other slots after the last kernel)
//   every other group output                  the arena, live from the group that writes it
//                                             to the last group that reads it; graph outputs
//                                             (loss, logits, state updates) to the last group
//
// Assumes: N is bound (the caller plans g.with_batch(max_batch)); the plan is
// a schedule of g (its groups in execution order).
// Guarantees (checked by check_memory_plan): arena buffers live at once never
// share bytes, except an elementwise output written in place over an input
// that dies in that group; every offset is aligned; the arena covers all.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "passes/flat_layout.h"
#include "passes/fusion_plan.h"

namespace graphc::passes {

struct MemoryPlanOptions {
  int64_t alignment = 64;  // bytes: a cache line, and an AVX-512 vector
  bool in_place = true;    // let elementwise groups overwrite dying inputs
};

struct ArenaBuffer {
  ValueId value = -1;
  int group = -1;            // the group that writes it
  int first = 0, last = 0;   // live over groups [first, last], both included
  int64_t offset = 0;        // bytes from the arena's start
  int64_t bytes = 0;         // the value's size, before alignment padding
  ValueId aliases = -1;      // the input it is written over in place, or -1
};

struct GradientWrite {
  std::string parameter;
  ValueId value = -1;
  // The kernel writing `value` stores it at the parameter's gradient slot;
  // otherwise the executor copies `value` there after the last group.
  bool direct = false;
};

struct MemoryPlan {
  int64_t alignment = 64;
  std::vector<ArenaBuffer> buffers;  // in the order of the groups that write them
  int64_t arena_bytes = 0;
  int64_t naive_bytes = 0;      // every buffer in an aligned allocation of its own
  int64_t peak_live_bytes = 0;  // the most bytes live at one group: no arena can be smaller
  int in_place_count = 0;
  FlatLayout parameters;
  FlatLayout gradients;
  std::vector<GradientWrite> gradient_writes;  // in the graph's gradient output order

  const ArenaBuffer* find(ValueId v) const;
  // The parameter whose gradient slot `v` is written to directly, or nullptr.
  const GradientWrite* direct_gradient(ValueId v) const;
};

// Throws graphc::Error when a value's type still has N, or the plan is not a
// schedule of g (see compute_liveness).
MemoryPlan plan_memory(const Graph& g, const FusionPlan& plan, const MemoryPlanOptions& options = {});

// Recomputes every lifetime from g and the plan, and throws graphc::Error
// naming the buffers when two buffers live at once overlap (other than a
// declared in-place write over an input dying in that group), an offset is
// misaligned, a buffer runs past the arena, a value is missing or planned
// twice, or the flat layouts overlap or disagree with the parameters.
void check_memory_plan(const Graph& g, const FusionPlan& plan, const MemoryPlan& memory);

// Text for `graphc --dump-memory-plan`: each arena buffer's value, group,
// interval, offset, size and in-place alias; the arena size against the naive
// sum and the peak-live lower bound; the flat buffers and their tensors.
std::string print_memory_plan(const Graph& g, const FusionPlan& plan, const MemoryPlan& memory);

}  // namespace graphc::passes
