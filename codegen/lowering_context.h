// Shared state of one lower_group call, split out so that the per-family
// lowerings (lower_group.cpp for the driver and elementwise expressions,
// lower_reductions.cpp, lower_matmul.cpp) read like their loop nests.
#pragma once

#include <map>
#include <set>
#include <utility>
#include <vector>

#include "codegen/kernel_ir.h"
#include "ir/graph.h"
#include "passes/fusion_plan.h"

namespace graphc::codegen::lowering {

// One coordinate per axis of a value: where in it an expression reads.
using Coords = std::vector<AffineIndex>;

SizeExpr dim_size(int64_t d);  // N -> n
SizeExpr element_count(const Shape& s);
std::vector<SizeExpr> row_major_strides(const Shape& s);
AffineIndex linearize(const Coords& coords, const Shape& s);
// Coordinates in an operand of shape `in` broadcast to `out` (numpy rules).
Coords broadcast_coords(const Coords& out_coords, const Shape& in, const Shape& out);

// A loop nest over a shape being built: the loop variables, the coordinates
// they give, and the innermost body where statements go.
struct Nest {
  std::vector<VarId> vars;
  Coords coords;
  std::vector<SizeExpr> extents;
};

// Where the statements of the current innermost body go, with the values
// already computed there (each in-group node at given coordinates is
// computed once per body, into a scalar).
struct Body {
  std::vector<Stmt> stmts;
  std::vector<std::pair<std::pair<ValueId, Coords>, ScalarId>> computed;
};

class Context {
 public:
  Context(const Graph& g, const passes::FusedGroup& group, std::string name);

  const Graph& graph() const { return g_; }
  Kernel& kernel() { return kernel_; }
  bool in_group(ValueId v) const { return in_group_.count(v) != 0; }
  bool is_output(ValueId v) const;
  // The buffer holding v (an input or a materialised value), or -1.
  BufferId buffer_of(ValueId v) const;
  // The buffer v is materialised into: its output buffer, or new scratch.
  BufferId materialise_into(ValueId v);
  // From now on v is read from its buffer instead of being recomputed.
  void mark_materialised(ValueId v) { materialised_.insert(v); }
  bool is_materialised(ValueId v) const { return materialised_.count(v) != 0; }
  const passes::FusedGroup& group() const { return group_; }

  // The value of v at `coords` as an expression, emitting what it needs into `body`.
  ExprPtr value_at(ValueId v, const Coords& coords, Body& body);

  // A fresh nest over `shape`: loops are made by wrap_nest once the body is built.
  Nest new_nest(const Shape& shape);
  // Wraps `body` in the nest's loops (outermost parallel, innermost vectorisable).
  std::vector<Stmt> wrap_nest(const Nest& nest, std::vector<Stmt> body, bool innermost_vectorize = true);

 private:
  ExprPtr compute(ValueId v, const Coords& coords, Body& body);

  const Graph& g_;
  const passes::FusedGroup& group_;
  Kernel kernel_;
  std::map<ValueId, bool> in_group_;
  std::map<ValueId, BufferId> buffers_;
  std::set<ValueId> materialised_;
};

// Materialising lowerings: each appends its statements to ctx.kernel().body.
void lower_reduction(Context& ctx, ValueId v);  // reduce_sum, reduce_max
void lower_argmax(Context& ctx, ValueId v);
void lower_matmul(Context& ctx, ValueId v);
void lower_conv2d(Context& ctx, ValueId v);  // lower_conv.cpp
void lower_conv2d_grad_input(Context& ctx, ValueId v);
void lower_conv2d_grad_weight(Context& ctx, ValueId v);
// Window and softmax anchors, with the group's elementwise outputs of their
// shape computed in their loop bodies (lower_epilogue.h).
bool is_window_op(OpKind op);  // pools and their gradients
void lower_window(Context& ctx, ValueId v);  // lower_window.cpp, lower_window_grad.cpp
bool is_softmax_op(OpKind op);  // softmax, log_softmax, softmax_cross_entropy
// Lowers v and every other softmax-family node of the group over the same
// rows in one row nest (lower_softmax.cpp).
void lower_softmax_rows(Context& ctx, ValueId v);

// Ops Context::compute inlines besides elementwise math and affine movement
// (lower_inline_ops.cpp).
ExprPtr inline_pad(Context& ctx, ValueId v, const Coords& coords, Body& body);
ExprPtr inline_concat(Context& ctx, ValueId v, const Coords& coords, Body& body);
ExprPtr inline_one_hot(Context& ctx, ValueId v, const Coords& coords, Body& body);
ExprPtr inline_dropout_mask(Context& ctx, ValueId v, const Coords& coords, Body& body);

}  // namespace graphc::codegen::lowering
