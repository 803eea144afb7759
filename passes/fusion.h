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
// kernel with other work (a reshape never costs a kernel).
#pragma once

#include <string>

#include "ir/graph.h"
#include "passes/fusion_plan.h"

namespace graphc::passes {

FusionPlan fuse(const Graph& g);

// Kernels per kind and in total for `plan`, against the unfused plan's count
// (one kernel per op), e.g.
//   fusion of mnist_mlp: 29 ops in 7 kernels (unfused: 29 kernels)
//     contraction  5
//     ...
std::string fusion_report(const Graph& g, const FusionPlan& plan);

}  // namespace graphc::passes
