// lower_group: decides which nodes of a group are inlined as expressions and
// which are materialised into buffers, then emits the materialisations in
// topological order and one loop nest per output shape.
#include "codegen/lower_group.h"

#include <algorithm>

#include "codegen/coalesce_loops.h"
#include "codegen/lowering_context.h"
#include "ir/error.h"

namespace graphc::codegen {

using namespace lowering;

bool is_lowered(OpKind op) {
  switch (op) {
    case OpKind::constant:
    case OpKind::batch_size:
    case OpKind::neg:
    case OpKind::exp:
    case OpKind::log:
    case OpKind::sqrt:
    case OpKind::rsqrt:
    case OpKind::tanh:
    case OpKind::sigmoid:
    case OpKind::relu:
    case OpKind::abs:
    case OpKind::cast:
    case OpKind::add:
    case OpKind::sub:
    case OpKind::mul:
    case OpKind::div:
    case OpKind::max:
    case OpKind::min:
    case OpKind::pow:
    case OpKind::eq:
    case OpKind::ne:
    case OpKind::lt:
    case OpKind::le:
    case OpKind::gt:
    case OpKind::ge:
    case OpKind::select:
    case OpKind::reduce_sum:
    case OpKind::reduce_max:
    case OpKind::argmax:
    case OpKind::reshape:
    case OpKind::transpose:
    case OpKind::broadcast:
    case OpKind::slice:
    case OpKind::matmul:
    case OpKind::conv2d:
    case OpKind::conv2d_grad_input:
    case OpKind::conv2d_grad_weight:
    case OpKind::pad:
    case OpKind::concat:
    case OpKind::one_hot:
    case OpKind::dropout_mask:
    case OpKind::max_pool2d:
    case OpKind::max_pool2d_grad:
    case OpKind::avg_pool2d:
    case OpKind::avg_pool2d_grad:
    case OpKind::softmax:
    case OpKind::log_softmax:
    case OpKind::softmax_cross_entropy: return true;
    // Sources are read from buffers; they are never inside a group.
    case OpKind::input:
    case OpKind::parameter: return false;
  }
  return false;
}

namespace lowering {

SizeExpr dim_size(int64_t d) { return d == kBatch ? SizeExpr::batch() : SizeExpr(d); }

SizeExpr element_count(const Shape& s) {
  SizeExpr count(1);
  for (int64_t d : s.dims()) count = count * dim_size(d);
  return count;
}

std::vector<SizeExpr> row_major_strides(const Shape& s) {
  std::vector<SizeExpr> strides(s.rank(), SizeExpr(1));
  for (size_t i = s.rank(); i-- > 1;) strides[i - 1] = strides[i] * dim_size(s[i]);
  return strides;
}

AffineIndex linearize(const Coords& coords, const Shape& s) {
  GRAPHC_ASSERT(coords.size() == s.rank(), "coordinates of rank ", coords.size(), " for shape ", s.str());
  const std::vector<SizeExpr> strides = row_major_strides(s);
  AffineIndex index;
  for (size_t i = 0; i < coords.size(); ++i) index = index + coords[i].scaled(strides[i]);
  return index;
}

Coords broadcast_coords(const Coords& out_coords, const Shape& in, const Shape& out) {
  GRAPHC_ASSERT(in.rank() <= out.rank(), "cannot broadcast ", in.str(), " to ", out.str());
  const size_t lead = out.rank() - in.rank();
  Coords coords(in.rank());
  for (size_t i = 0; i < in.rank(); ++i)
    if (!(in[i] == 1 && out[i + lead] != 1)) coords[i] = out_coords[i + lead];
  return coords;
}

namespace {
bool folded_source(OpKind op) { return op == OpKind::constant || op == OpKind::batch_size; }
}  // namespace

Context::Context(const Graph& g, const passes::FusedGroup& group, std::string name) : g_(g), group_(group) {
  kernel_.name = std::move(name);
  for (ValueId v : group.nodes) in_group_[v] = true;
  auto add = [&](ValueId v, BufferRole role) {
    const TensorType& t = g.type(v);
    buffers_[v] = kernel_.add_buffer({cat("%", v), t.dtype, element_count(t.shape), role, v});
  };
  for (ValueId v : group.inputs)
    if (!folded_source(g.node(v).op)) add(v, BufferRole::input);
  for (ValueId v : group.outputs) add(v, BufferRole::output);
}

bool Context::is_output(ValueId v) const {
  return std::find(group_.outputs.begin(), group_.outputs.end(), v) != group_.outputs.end();
}

BufferId Context::buffer_of(ValueId v) const {
  auto it = buffers_.find(v);
  return it == buffers_.end() ? -1 : it->second;
}

BufferId Context::materialise_into(ValueId v) {
  if (BufferId b = buffer_of(v); b >= 0) return b;
  const TensorType& t = g_.type(v);
  BufferId b = kernel_.add_buffer({cat("scratch%", v), t.dtype, element_count(t.shape), BufferRole::scratch, v});
  buffers_[v] = b;
  return b;
}

Nest Context::new_nest(const Shape& shape) {
  Nest nest;
  for (int64_t d : shape.dims()) {
    VarId var = kernel_.new_var();
    nest.vars.push_back(var);
    nest.coords.push_back(AffineIndex::of_var(var));
    nest.extents.push_back(dim_size(d));
  }
  return nest;
}

std::vector<Stmt> Context::wrap_nest(const Nest& nest, std::vector<Stmt> body, bool innermost_vectorize) {
  for (size_t i = nest.vars.size(); i-- > 0;) {
    const bool innermost = i + 1 == nest.vars.size();
    body = {make_loop(nest.vars[i], nest.extents[i], std::move(body), i == 0, innermost && innermost_vectorize)};
  }
  return body;
}

ExprPtr Context::value_at(ValueId v, const Coords& coords, Body& body) {
  const Node& n = g_.node(v);
  const DType dtype = n.type.dtype;
  if (n.op == OpKind::constant) return make_constant(n.f("value"), dtype);
  if (n.op == OpKind::batch_size) return make_batch_size(dtype);
  // A fed or materialised value is read only if it is not inside the group
  // still waiting to be computed (buffers of outputs exist from the start).
  if (BufferId b = buffer_of(v); b >= 0 && (!in_group(v) || materialised_.count(v)))
    return make_load(b, linearize(coords, n.type.shape), dtype);
  GRAPHC_ASSERT(in_group(v), "%", v, " is neither a group input nor in the group");
  for (const auto& [key, scalar] : body.computed)
    if (key.first == v && key.second == coords) return make_scalar(scalar, dtype);
  ExprPtr e = compute(v, coords, body);
  if (e->kind == ExprKind::load || e->kind == ExprKind::constant || e->kind == ExprKind::scalar) return e;
  ScalarId s = kernel_.add_scalar(dtype);
  body.stmts.push_back(make_let(s, std::move(e)));
  body.computed.push_back({{v, coords}, s});
  return make_scalar(s, dtype);
}

ExprPtr Context::compute(ValueId v, const Coords& coords, Body& body) {
  const Node& n = g_.node(v);
  const Shape& shape = n.type.shape;
  auto operand_at = [&](size_t i, const Coords& c) { return value_at(n.operands[i], c, body); };
  auto broadcast_operand = [&](size_t i) {
    return operand_at(i, broadcast_coords(coords, g_.type(n.operands[i]).shape, shape));
  };
  const OpInfo& info = n.info();
  if (n.op == OpKind::cast) return make_cast(broadcast_operand(0), n.type.dtype);
  if (info.cls == OpClass::elementwise) {
    std::vector<ExprPtr> operands;
    for (size_t i = 0; i < n.operands.size(); ++i) operands.push_back(broadcast_operand(i));
    return make_op(n.op, std::move(operands), n.type.dtype);
  }
  if (n.op == OpKind::broadcast) return broadcast_operand(0);
  if (n.op == OpKind::transpose) {
    const auto& perm = n.ints("perm");
    Coords in(coords.size());
    for (size_t i = 0; i < perm.size(); ++i) in[static_cast<size_t>(perm[i])] = coords[i];
    return operand_at(0, in);
  }
  if (n.op == OpKind::slice) {
    const auto &begin = n.ints("begin"), &step = n.ints("step");
    Coords in(coords.size());
    for (size_t i = 0; i < coords.size(); ++i) {
      in[i] = coords[i].scaled(SizeExpr(step[i]));
      in[i].offset = in[i].offset + SizeExpr(begin[i]);
    }
    return operand_at(0, in);
  }
  if (n.op == OpKind::pad) return inline_pad(*this, v, coords, body);
  if (n.op == OpKind::concat) return inline_concat(*this, v, coords, body);
  if (n.op == OpKind::one_hot) return inline_one_hot(*this, v, coords, body);
  if (n.op == OpKind::dropout_mask) return inline_dropout_mask(*this, v, coords, body);
  if (n.op == OpKind::reshape) {
    // Same row-major order: the flat index of the result is the operand's.
    // The driver materialised an in-group operand, so it is a buffer here.
    const ValueId x = n.operands[0];
    const BufferId b = buffer_of(x);
    GRAPHC_ASSERT(b >= 0, "reshape of %", x, " needs its operand in a buffer");
    return make_load(b, linearize(coords, shape), n.type.dtype);
  }
  GRAPHC_ASSERT(false, op_name(n.op), " (%", v, ") cannot be inlined; the driver should have materialised it");
}

}  // namespace lowering

namespace {

// Values the driver materialises into buffers before anything reads them.
std::vector<bool> choose_materialised(const Graph& g, const passes::FusedGroup& group, Context& ctx) {
  std::vector<bool> materialise(g.size(), false);
  for (ValueId v : group.nodes) {
    const Node& n = g.node(v);
    if (!is_lowered(n.op))
      throw Error(cat("codegen: ", op_name(n.op), " (%", v, ") has no kernel lowering yet"));
    const OpClass cls = n.info().cls;
    if (cls == OpClass::reduction || cls == OpClass::contraction || cls == OpClass::other) materialise[v] = true;
    if (n.op == OpKind::one_hot || n.op == OpKind::dropout_mask) materialise[v] = false;  // inlined
    // Operands a buffer must hold: matmul reads whole matrices, reshape
    // reads its operand in flat order.
    if (n.op == OpKind::matmul || n.op == OpKind::reshape || n.op == OpKind::conv2d ||
        n.op == OpKind::conv2d_grad_input || n.op == OpKind::conv2d_grad_weight)
      for (ValueId u : n.operands)
        if (ctx.in_group(u)) materialise[u] = true;
  }
  return materialise;
}

// Stores the values `vs` (all of `shape`) over one nest.
void store_values(Context& ctx, const std::vector<ValueId>& vs, const Shape& shape) {
  Nest nest = ctx.new_nest(shape);
  Body body;
  for (ValueId v : vs) {
    ExprPtr value = ctx.value_at(v, nest.coords, body);
    body.stmts.push_back(make_store(ctx.materialise_into(v), linearize(nest.coords, shape), value));
  }
  for (Stmt& s : ctx.wrap_nest(nest, std::move(body.stmts))) ctx.kernel().body.push_back(std::move(s));
}

}  // namespace

Kernel lower_group(const Graph& g, const passes::FusedGroup& group, std::string name) {
  GRAPHC_ASSERT(!group.nodes.empty(), "an empty group");
  if (name.empty()) name = cat("group_", group.nodes.front());
  Context ctx(g, group, std::move(name));
  const std::vector<bool> materialise = choose_materialised(g, group, ctx);
  for (ValueId v : group.nodes) {
    if (!materialise[v] || ctx.is_materialised(v)) continue;  // an earlier lowering may have done it
    const OpKind op = g.node(v).op;
    if (op == OpKind::reduce_sum || op == OpKind::reduce_max)
      lower_reduction(ctx, v);
    else if (op == OpKind::argmax)
      lower_argmax(ctx, v);
    else if (op == OpKind::matmul)
      lower_matmul(ctx, v);
    else if (op == OpKind::conv2d)
      lower_conv2d(ctx, v);
    else if (op == OpKind::conv2d_grad_input)
      lower_conv2d_grad_input(ctx, v);
    else if (op == OpKind::conv2d_grad_weight)
      lower_conv2d_grad_weight(ctx, v);
    else if (is_window_op(op))
      lower_window(ctx, v);
    else if (is_softmax_op(op))
      lower_softmax_rows(ctx, v);
    else
      store_values(ctx, {v}, g.type(v).shape);
    ctx.mark_materialised(v);
  }
  // Outputs still pending, one nest per distinct shape.
  std::vector<ValueId> pending;
  for (ValueId v : group.outputs)
    if (!materialise[v] && !ctx.is_materialised(v)) pending.push_back(v);
  while (!pending.empty()) {
    const Shape shape = g.type(pending.front()).shape;
    std::vector<ValueId> same, rest;
    for (ValueId v : pending) (g.type(v).shape == shape ? same : rest).push_back(v);
    store_values(ctx, same, shape);
    for (ValueId v : same) ctx.mark_materialised(v);
    pending = std::move(rest);
  }
  Kernel kernel = std::move(ctx.kernel());
  coalesce_loops(kernel);
  return kernel;
}

}  // namespace graphc::codegen
