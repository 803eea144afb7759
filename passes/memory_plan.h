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
//   a group output that only reshapes a       a view of that value's storage, wherever it is;
//   stored value (input or other output)      the group does not write it, and a group whose
//                                             outputs are all views runs no kernel
//                                             (reshape_views.h)
//   every other group output                  the arena, live from the group that writes it
//                                             to the last group that reads it or any view of
//                                             it; graph outputs (loss, logits, state updates)
//                                             to the last group
//
// Assumes: N is bound (the caller plans g.with_batch(max_batch)); the plan is
// a schedule of g (its groups in execution order).
// Guarantees (checked by check_memory_plan): arena buffers live at once never
// share bytes, except an output written in place over an input that dies in
// that group (in_place_reuse.h says when a kernel allows it); every offset is
// aligned; the arena covers all.
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
  bool in_place = true;    // let kernels write outputs over inputs that die in them
};

struct ArenaBuffer {
  ValueId value = -1;
  int group = -1;           // the group that writes it
  int first = 0, last = 0;  // its bytes are in use over groups [first, last], both included,
                            // by the value and by any reshape view of it
  int64_t offset = 0;       // bytes from the arena's start
  int64_t bytes = 0;        // the value's size, before alignment padding
  ValueId aliases = -1;     // the input it is written over in place, or -1
};

struct GradientWrite {
  std::string parameter;
  ValueId value = -1;
  // The kernel writing `value` stores it at the parameter's gradient slot;
  // otherwise the executor copies `value` there after the last group.
  bool direct = false;
};

// A group output that is a reshape of a stored value: it shares the bytes of
// `of`, and its group does not write it.
struct ReshapeView {
  ValueId value = -1;
  ValueId of = -1;  // the value that owns the storage: an arena buffer, a graph input, a
                    // parameter or a directly written gradient (never another view)
  int group = -1;   // the group it is an output of
};

struct MemoryPlan {
  int64_t alignment = 64;
  std::vector<ArenaBuffer> buffers;  // in the order of the groups that write them
  int64_t arena_bytes = 0;
  int64_t naive_bytes = 0;      // every buffer in an aligned allocation of its own
  // Every computed value of the graph in an aligned allocation of its own:
  // what an executor without fusion, views or planning would allocate.
  int64_t unfused_naive_bytes = 0;
  int64_t peak_live_bytes = 0;  // the most bytes live at one group: no arena can be smaller
  int in_place_count = 0;
  FlatLayout parameters;
  FlatLayout gradients;
  std::vector<GradientWrite> gradient_writes;  // in the graph's gradient output order
  std::vector<ReshapeView> views;              // in group order
  std::vector<bool> group_runs;                // per group: false when all its outputs are views

  const ArenaBuffer* find(ValueId v) const;
  // The parameter whose gradient slot `v` is written to directly, or nullptr.
  const GradientWrite* direct_gradient(ValueId v) const;
  const ReshapeView* view(ValueId v) const;
  // Whether group `group` has work to do: false for a group of reshape views.
  bool runs_kernel(int group) const;
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
// interval, offset, size and in-place alias; the reshape views; the arena
// size against the naive sums and the peak-live lower bound; the flat
// buffers with each tensor's offset; gradients copied rather than written.
std::string print_memory_plan(const Graph& g, const FusionPlan& plan, const MemoryPlan& memory);

}  // namespace graphc::passes
