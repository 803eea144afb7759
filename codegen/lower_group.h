// Lowering: one fused group of the graph becomes one Kernel. This is the only
// place that decides what a group computes at the loop level; the emitters
// only translate the Kernel.
//
// Calling convention of the result: buffers are the group's inputs (in
// group.inputs order, constants and batch_size excluded: they are folded into
// the code), then its outputs (group.outputs order), then scratch for values
// the group must materialise internally (a matmul operand computed inside the
// group, a reduction feeding later ops of the group, ...).
//
// How each node is handled:
// - elementwise ops and broadcast/transpose/slice are inlined into the loop
//   nest of whoever reads them, as expressions at an affine index (broadcast
//   axes get coefficient 0);
// - reshape is inlined when it reads a buffer (same row-major element order);
//   otherwise its operand is materialised first;
// - reductions, argmax and matmul are materialised: a nest with accumulators
//   in a fixed sequential order, or a Gemm statement;
// - each group output that is still an expression gets a loop nest over its
//   shape (outputs of the same shape share one nest).
// Ops without a lowering yet throw graphc::Error naming the op; is_lowered()
// says which ones, so the gap is visible in tests.
#pragma once

#include <string>

#include "codegen/kernel_ir.h"
#include "ir/graph.h"
#include "passes/fusion_plan.h"

namespace graphc::codegen {

// Whether lower_group accepts groups containing this op.
bool is_lowered(OpKind op);

// `name` defaults to "group_<first node>".
Kernel lower_group(const Graph& g, const passes::FusedGroup& group, std::string name = "");

}  // namespace graphc::codegen
