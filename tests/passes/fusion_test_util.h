// Helpers of the fusion tests: looking groups up, and running a plan kernel
// by kernel on the reference interpreter, each kernel seeing only the values
// its group declares as inputs, so a plan that forgets an input or an output
// fails there and not in a backend.
#pragma once

#include <cstdint>
#include <vector>

#include "ir/graph.h"
#include "passes/fusion_plan.h"
#include "runtime/interpreter.h"

namespace graphc::fusion_test {

// The index of the group holding v, or -1.
int group_index(const passes::FusionPlan& plan, ValueId v);
const passes::FusedGroup& group_holding(const passes::FusionPlan& plan, ValueId v);
// How many groups are of this kind.
size_t count_kind(const passes::FusionPlan& plan, passes::GroupKind kind);

// The graph's training graph after autodiff and simplify, as the pipeline
// hands it to fusion; and the eval graph, as compile_program builds it.
Graph training_graph(const std::string& model);
Graph eval_graph(const std::string& model);

// Random feeds for every input and parameter of g at batch `batch`:
// parameters from their init specs, floats uniform in [-1, 1] (state in
// [0.5, 1.5], it may be a variance), integer labels below the class count
// (the last dimension of the prediction output, or 2).
runtime::TensorMap random_feeds(const Graph& g, int64_t batch, uint64_t seed);

// Runs the plan one group at a time: each group becomes a graph of its own
// whose inputs are the group's inputs (fed from the feeds or from earlier
// groups' outputs) and whose outputs are the group's outputs. Returns the
// graph's outputs by name.
runtime::TensorMap run_group_by_group(const Graph& g, const passes::FusionPlan& plan, const runtime::TensorMap& feeds);

}  // namespace graphc::fusion_test
