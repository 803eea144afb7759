// Fusion: partitions the graph into the kernels of one training (or eval)
// step. Each kernel makes one pass over memory: a chain of elementwise ops
// over one shape, or an anchor (reduction, matmul/conv, pool, softmax) with
// the elementwise ops before it (reductions only) and after it, so values
// inside a kernel stay in registers and only its outputs touch memory. The
// rules, their order and their reasons are in passes/fusion_rules.h and
// docs/fusion.md.
//
// Assumes: a verified graph (the pipeline runs it after simplify).
// Guarantees: a plan that check_fusion_plan accepts; a pure function of the
// graph (same graph, same plan, node for node); every reshape sits in a
// kernel with other work, so a reshape costs no kernel (unless a graph
// output is nothing but a reshaped input or parameter).
#pragma once

#include <string>

#include "ir/graph.h"
#include "passes/fusion_plan.h"

namespace graphc::passes {

FusionPlan fuse(const Graph& g);

// The bytes a step's kernels store (their outputs), in two parts since N is
// known only at run time: what does not depend on N, and what each sample
// of the batch adds.
struct StoredBytes {
  int64_t fixed = 0;
  int64_t per_sample = 0;
};
StoredBytes stored_bytes(const Graph& g, const FusionPlan& plan);

// Kernels per kind and in total for `plan`, and the bytes they store,
// against the unfused plan (one kernel per op), e.g.
//   fusion of mnist_mlp: 26 ops in 7 kernels (unfused: 26 kernels)
//     contraction  5
//     ...
//     stored per step: 415040 bytes + 4956 bytes per sample (unfused: ...)
std::string fusion_report(const Graph& g, const FusionPlan& plan);

}  // namespace graphc::passes
