#include "passes/autodiff.h"

#include "frontend/ops.h"
#include "passes/vjp_rules.h"

namespace graphc::passes {

namespace {

ValueId the_loss(const Graph& g) {
  const Output* loss = nullptr;
  for (const Output& o : g.outputs()) {
    if (o.role == OutputRole::gradient)
      throw Error(cat("graph ", g.name(), " already has gradient output '", o.name, "': it is a training graph"));
    if (o.role != OutputRole::loss) continue;
    if (loss) throw Error(cat("graph ", g.name(), " has two loss outputs ('", loss->name, "' and '", o.name, "')"));
    loss = &o;
  }
  if (!loss) throw Error(cat("graph ", g.name(), " has no output with role loss to differentiate"));
  const TensorType& t = g.type(loss->value);
  if (!is_float(t.dtype) || t.shape.rank() != 0)
    throw Error(cat("loss output '", loss->name, "' must be a floating-point scalar, got ", t.str()));
  return loss->value;
}

bool is_trainable_parameter(const Node& n) { return n.op == OpKind::parameter && n.b("trainable"); }

std::vector<TensorType> operand_types(const Graph& g, const Node& n) {
  std::vector<TensorType> t;
  for (ValueId v : n.operands) t.push_back(g.type(v));
  return t;
}

// The values that need a gradient: those a trainable parameter reaches
// through differentiable edges (forward sweep) and that reach the loss
// (backward sweep).
std::vector<bool> values_needing_gradient(const Graph& g, ValueId loss) {
  size_t count = static_cast<size_t>(loss) + 1;
  std::vector<bool> from_param(count, false), to_loss(count, false), active(count, false);
  for (size_t v = 0; v < count; ++v) {
    const Node& n = g.nodes()[v];
    if (is_trainable_parameter(n)) from_param[v] = true;
    auto types = operand_types(g, n);
    for (size_t i = 0; i < n.operands.size(); ++i)
      if (from_param[n.operands[i]] && carries_gradient(n, i, types)) from_param[v] = true;
  }
  to_loss[loss] = true;
  for (size_t v = count; v-- > 0;) {
    if (!to_loss[v] || !from_param[v]) continue;
    active[v] = true;
    const Node& n = g.nodes()[v];
    auto types = operand_types(g, n);
    for (size_t i = 0; i < n.operands.size(); ++i)
      if (carries_gradient(n, i, types)) to_loss[n.operands[i]] = true;
  }
  return active;
}

}  // namespace

Graph build_training_graph(const Graph& forward) {
  ValueId loss = the_loss(forward);
  std::vector<bool> active = values_needing_gradient(forward, loss);

  Graph joint = forward;
  Builder b(joint, Mode::train);
  std::vector<Tensor> grad(active.size());
  auto accumulate = [&](ValueId v, Tensor g) { grad[v] = grad[v].valid() ? grad[v] + g : g; };

  if (active[loss]) grad[loss] = b.constant(1.0, joint.type(loss).dtype);
  for (ValueId v = loss; v >= 0; --v) {
    if (!active[v] || !grad[v].valid()) continue;
    VjpCall call{joint.node(v), b.wrap(v), {}, grad[v], {}};
    for (ValueId operand : call.node.operands) {
      call.operands.push_back(b.wrap(operand));
      call.wanted.push_back(active[operand]);
    }
    auto types = operand_types(joint, call.node);
    for (size_t i = 0; i < call.wanted.size(); ++i) call.wanted[i] = call.wanted[i] && carries_gradient(call.node, i, types);
    std::vector<Tensor> d = vector_jacobian_product(call);
    for (size_t i = 0; i < d.size(); ++i)
      if (d[i].valid()) accumulate(call.node.operands[i], d[i]);
  }

  for (ValueId p : forward.parameters()) {
    const Node& n = forward.node(p);
    if (!n.b("trainable")) continue;
    Tensor g = p < static_cast<ValueId>(grad.size()) ? grad[p] : Tensor();
    if (!g.valid()) g = broadcast_to(b.constant(0.0, n.type.dtype), n.type.shape);
    b.output(n.s("name"), g, OutputRole::gradient);
  }
  return joint;
}

}  // namespace graphc::passes
