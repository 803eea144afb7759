// The gradient rule of every op, one case per op of ir/ops.def. Notation in
// the comments: y is the node's value, g the gradient arriving at y, and dx
// the gradient sent to operand x. Broadcasting operands get the gradient
// summed back to their own shape (unbroadcast).
#include "passes/vjp_rules.h"

#include <numeric>

#include "frontend/ops.h"

namespace graphc::passes {

namespace {

struct Fault {
  OpKind op;
  double scale;
};
std::optional<Fault> g_fault;

Tensor zero_like(Tensor x) { return x.builder().constant(0.0, x.dtype()); }
Tensor ones(Tensor like, Shape shape) { return broadcast_to(like.builder().constant(1.0, like.dtype()), shape); }
Tensor as_dtype(Tensor x, DType t) { return x.dtype() == t ? x : cast(x, t); }

// Sums g over the axes along which an operand of shape `to` was broadcast.
// Shapes are taken by value throughout this file: a reference into a node's
// type dangles once an op is appended and the node storage moves.
Tensor unbroadcast(Tensor g, Shape to) {
  if (g.shape() == to) return g;
  size_t lead = g.rank() - to.rank();
  std::vector<int64_t> axes;
  for (size_t i = 0; i < g.rank(); ++i)
    if (i < lead || (to[i - lead] == 1 && g.shape()[i] != 1)) axes.push_back(static_cast<int64_t>(i));
  Tensor s = axes.empty() ? g : sum(g, axes);
  return s.shape() == to ? s : reshape(s, to);
}

// The shape of a reduction's result with its reduced axes kept as 1.
Shape kept_shape(const Shape& in, const std::vector<int64_t>& axes) {
  std::vector<int64_t> dims = in.dims();
  for (int64_t a : axes) dims[a] = 1;
  return Shape(dims);
}

// A reduction's gradient (or value) reshaped to keep the reduced axes as 1,
// ready to broadcast against the reduction's input.
Tensor with_kept_axes(Tensor t, const Node& reduction, Shape in) {
  Shape kept = kept_shape(in, reduction.ints("axes"));
  return t.shape() == kept ? t : reshape(t, kept);
}

std::vector<int64_t> whole_axis_end(const Shape& s) { return s.dims(); }  // N stays N: the whole axis

// The gradient of x[begin:end:step] for x of shape `in`: g put back at the
// positions it was taken from, zeros elsewhere. A step > 1 spreads g out by
// reshaping each element into a row of `step` and padding the row with zeros.
Tensor unslice(Tensor g, Shape in, const std::vector<int64_t>& begin, const std::vector<int64_t>& step) {
  size_t r = in.rank();
  for (size_t a = 0; a < r; ++a) {
    if (step[a] == 1) continue;
    int64_t k = g.shape()[a], s = step[a];
    std::vector<int64_t> rows = g.shape().dims();  // [.., k, ..] -> [.., k, 1, ..]
    rows.insert(rows.begin() + a + 1, 1);
    std::vector<int64_t> lo(r + 1, 0), hi(r + 1, 0);
    hi[a + 1] = s - 1;  // -> [.., k, s, ..]
    Tensor spread = pad(reshape(g, Shape(rows)), lo, hi);
    std::vector<int64_t> flat = g.shape().dims();
    flat[a] = k * s;  // -> [.., k*s, ..], element i at i*s
    spread = reshape(spread, Shape(flat));
    std::vector<int64_t> b0(r, 0), end = whole_axis_end(spread.shape()), one(r, 1);
    end[a] = (k - 1) * s + 1;  // drop the zeros after the last element
    g = slice(spread, b0, end, one);
  }
  std::vector<int64_t> lo(r, 0), hi(r, 0);
  bool padded = false;
  for (size_t a = 0; a < r; ++a) {
    if (in[a] == kBatch) continue;
    lo[a] = begin[a];
    hi[a] = in[a] - begin[a] - g.shape()[a];
    padded |= lo[a] != 0 || hi[a] != 0;
  }
  return padded ? pad(g, lo, hi) : g;
}

// x[.., from:from+len, ..] along `axis`.
Tensor take(Tensor x, int64_t axis, int64_t from, int64_t len) {
  std::vector<int64_t> begin(x.rank(), 0), end = whole_axis_end(x.shape()), step(x.rank(), 1);
  begin[axis] = from;
  end[axis] = from + len;
  return slice(x, begin, end, step);
}

Tensor swap_last_two(Tensor x) {
  std::vector<int64_t> perm(x.rank());
  std::iota(perm.begin(), perm.end(), 0);
  std::swap(perm[perm.size() - 1], perm[perm.size() - 2]);
  return transpose(x, perm);
}

Conv2dOptions conv_options(const Node& n) {
  return {n.ints("stride"), n.ints("padding"), n.ints("dilation"), n.i("groups")};
}

Pool2dOptions pool_options(const Node& n) {
  Pool2dOptions o;
  o.kernel = n.ints("kernel");
  o.stride = n.ints("stride");
  o.padding = n.ints("padding");
  if (n.has("dilation")) o.dilation = n.ints("dilation");
  if (n.has("count_include_pad")) o.count_include_pad = n.b("count_include_pad");
  return o;
}

// d/dy of max_pool2d_grad(dy, x): each window takes G at the element its
// gradient was routed to. With windows that do not overlap, the routing mask
// max_pool2d_grad(1, x) is 0/1 and the gather is a windowed sum of G * mask,
// which avg_pool2d with count_include_pad gives up to the window size.
Tensor max_pool_grad_vjp(const Node& n, Tensor g, Tensor dy, Tensor x) {
  Pool2dOptions o = pool_options(n);
  bool disjoint = o.dilation == std::vector<int64_t>{1, 1} && o.stride[0] >= o.kernel[0] && o.stride[1] >= o.kernel[1];
  if (!disjoint)
    throw Error("second-order gradient of max_pool2d_grad with overlapping or dilated windows is not supported");
  Tensor routed = max_pool2d_grad(ones(dy, dy.shape()), x, o);
  o.count_include_pad = true;
  return avg_pool2d(g * routed, o) * static_cast<double>(o.kernel[0] * o.kernel[1]);
}

// The rule proper. d[i] receives operand i's gradient when call.wanted[i].
void apply_rule(const VjpCall& c, std::vector<Tensor>& d) {
  const Node& n = c.node;
  const Tensor y = c.value, g = c.grad;
  const std::vector<Tensor>& x = c.operands;
  auto want = [&](size_t i) { return c.wanted[i]; };
  auto send = [&](size_t i, Tensor t) {
    if (want(i)) d[i] = unbroadcast(t, x[i].shape());
  };
  switch (n.op) {
    case OpKind::input:
    case OpKind::parameter:
    case OpKind::constant:
    case OpKind::batch_size:
    case OpKind::eq:
    case OpKind::ne:
    case OpKind::lt:
    case OpKind::le:
    case OpKind::gt:
    case OpKind::ge:
    case OpKind::argmax:
    case OpKind::one_hot:
    case OpKind::dropout_mask: return;  // not differentiable

    case OpKind::neg: send(0, -g); return;
    case OpKind::exp: send(0, g * y); return;
    case OpKind::log: send(0, g / x[0]); return;
    case OpKind::sqrt: send(0, g / (2.0 * y)); return;
    case OpKind::rsqrt: send(0, g * -0.5 * y * y * y); return;  // d x^-1/2 = -1/2 x^-3/2
    case OpKind::tanh: send(0, g * (1.0 - y * y)); return;
    case OpKind::sigmoid: send(0, g * y * (1.0 - y)); return;
    case OpKind::relu: send(0, g * cast(gt(x[0], zero_like(x[0])), g.dtype())); return;
    case OpKind::abs: send(0, select(lt(x[0], zero_like(x[0])), -g, g)); return;
    case OpKind::cast: send(0, as_dtype(g, x[0].dtype())); return;  // float to float only (carries_gradient)

    case OpKind::add:
      send(0, g);
      send(1, g);
      return;
    case OpKind::sub:
      send(0, g);
      if (want(1)) send(1, -g);
      return;
    case OpKind::mul:
      if (want(0)) send(0, g * x[1]);
      if (want(1)) send(1, g * x[0]);
      return;
    case OpKind::div:
      if (want(0)) send(0, g / x[1]);
      if (want(1)) send(1, -g * y / x[1]);  // d(a/b)/db = -a/b^2 = -y/b
      return;
    case OpKind::max:  // ties go to a
    case OpKind::min: {
      Tensor a_wins = n.op == OpKind::max ? ge(x[0], x[1]) : le(x[0], x[1]);
      if (want(0)) send(0, select(a_wins, g, zero_like(g)));
      if (want(1)) send(1, select(a_wins, zero_like(g), g));
      return;
    }
    case OpKind::pow:
      if (want(0)) send(0, g * x[1] * pow(x[0], x[1] - 1.0));
      if (want(1)) send(1, g * y * log(x[0]));
      return;
    case OpKind::select:
      if (want(1)) send(1, select(x[0], g, zero_like(g)));
      if (want(2)) send(2, select(x[0], zero_like(g), g));
      return;

    case OpKind::reduce_sum: d[0] = broadcast_to(with_kept_axes(g, n, x[0].shape()), x[0].shape()); return;
    case OpKind::reduce_max: {
      // Routed to every element equal to the maximum, shared equally among
      // ties, so the rule is symmetric in its inputs.
      Tensor is_max = cast(eq(x[0], with_kept_axes(y, n, x[0].shape())), g.dtype());
      Tensor ties = sum(is_max, n.ints("axes"), true);
      d[0] = with_kept_axes(g, n, x[0].shape()) * is_max / ties;
      return;
    }

    case OpKind::reshape: d[0] = reshape(g, x[0].shape()); return;
    case OpKind::transpose: {
      const auto& perm = n.ints("perm");
      std::vector<int64_t> inverse(perm.size());
      for (size_t i = 0; i < perm.size(); ++i) inverse[perm[i]] = static_cast<int64_t>(i);
      d[0] = transpose(g, inverse);
      return;
    }
    case OpKind::broadcast: send(0, g); return;
    case OpKind::slice: d[0] = unslice(g, x[0].shape(), n.ints("begin"), n.ints("step")); return;
    case OpKind::pad: {
      std::vector<int64_t> begin = n.ints("low"), end = whole_axis_end(x[0].shape()), step(x[0].rank(), 1);
      for (size_t a = 0; a < x[0].rank(); ++a)
        if (x[0].shape()[a] != kBatch) end[a] += begin[a];
      d[0] = slice(g, begin, end, step);
      return;
    }
    case OpKind::concat: {
      int64_t axis = n.i("axis"), at = 0;
      for (size_t i = 0; i < x.size(); ++i) {
        int64_t len = x[i].shape()[axis];
        if (want(i)) d[i] = take(g, axis, at, len);
        at += len;
      }
      return;
    }

    case OpKind::matmul: {
      // y = A' @ B' with A' = a or a^T, B' = b or b^T: dA' = g @ B'^T, dB' = A'^T @ g.
      bool ta = n.b("transpose_a"), tb = n.b("transpose_b");
      bool b_shared = x[1].rank() == 2 && x[0].rank() > 2;  // one b for every batch entry of a
      if (want(0)) {
        if (!ta)
          d[0] = matmul(g, x[1], false, !tb);
        else if (!b_shared)
          d[0] = matmul(x[1], g, tb, true);  // (g @ B'^T)^T = B' @ g^T
        else
          d[0] = swap_last_two(matmul(g, x[1], false, !tb));
      }
      if (want(1)) {
        Tensor db = tb ? matmul(g, x[0], true, ta) : matmul(x[0], g, !ta, false);
        if (b_shared) {
          std::vector<int64_t> batch_axes(x[0].rank() - 2);
          std::iota(batch_axes.begin(), batch_axes.end(), 0);
          db = sum(db, batch_axes);
        }
        d[1] = db;
      }
      return;
    }
    case OpKind::conv2d: {
      Conv2dOptions o = conv_options(n);
      if (want(0)) d[0] = conv2d_grad_input(g, x[1], x[0].shape(), o);
      if (want(1)) d[1] = conv2d_grad_weight(x[0], g, x[1].shape(), o);
      return;
    }
    case OpKind::conv2d_grad_input: {
      // dx = A(w)^T dy with A(w) the conv: linear in dy and in w;
      // <dx, G> = <dy, conv2d(G, w)>.
      Conv2dOptions o = conv_options(n);
      if (want(0)) d[0] = conv2d(g, x[1], o);
      if (want(1)) d[1] = conv2d_grad_weight(g, x[0], x[1].shape(), o);
      return;
    }
    case OpKind::conv2d_grad_weight: {
      // <dw, G> = <dy, conv2d(x, G)>.
      Conv2dOptions o = conv_options(n);
      if (want(0)) d[0] = conv2d_grad_input(x[1], g, x[0].shape(), o);
      if (want(1)) d[1] = conv2d(x[0], g, o);
      return;
    }

    case OpKind::max_pool2d: d[0] = max_pool2d_grad(g, x[0], pool_options(n)); return;
    case OpKind::max_pool2d_grad: d[0] = max_pool_grad_vjp(n, g, x[0], x[1]); return;  // x: zero almost everywhere
    case OpKind::avg_pool2d: d[0] = avg_pool2d_grad(g, x[0].shape(), pool_options(n)); return;
    case OpKind::avg_pool2d_grad: d[0] = avg_pool2d(g, pool_options(n)); return;  // the adjoint's adjoint

    case OpKind::softmax: {
      int64_t axis = n.i("axis");
      d[0] = y * (g - sum(g * y, {axis}, true));
      return;
    }
    case OpKind::log_softmax: {
      int64_t axis = n.i("axis");
      d[0] = g - softmax(x[0], axis) * sum(g, {axis}, true);
      return;
    }
    case OpKind::softmax_cross_entropy: {
      // The stable form: (softmax(logits) - onehot(labels)) * g per row.
      const Shape logits = x[0].shape();
      Tensor target = as_dtype(one_hot(x[1], logits[1]), x[0].dtype());
      d[0] = (softmax(x[0], 1) - target) * reshape(g, Shape{logits[0], 1});
      return;
    }
  }
}

}  // namespace

bool carries_gradient(const Node& n, size_t operand, const std::vector<TensorType>& operand_types) {
  switch (n.op) {
    case OpKind::input:
    case OpKind::parameter:
    case OpKind::constant:
    case OpKind::batch_size:
    case OpKind::eq:
    case OpKind::ne:
    case OpKind::lt:
    case OpKind::le:
    case OpKind::gt:
    case OpKind::ge:
    case OpKind::argmax:
    case OpKind::one_hot:
    case OpKind::dropout_mask: return false;
    case OpKind::cast: return is_float(operand_types[0].dtype) && is_float(n.dtype_attr("dtype"));
    case OpKind::select: return operand != 0;
    case OpKind::softmax_cross_entropy: return operand == 0;
    case OpKind::max_pool2d_grad: return operand == 0;  // piecewise constant in x
    case OpKind::neg:
    case OpKind::exp:
    case OpKind::log:
    case OpKind::sqrt:
    case OpKind::rsqrt:
    case OpKind::tanh:
    case OpKind::sigmoid:
    case OpKind::relu:
    case OpKind::abs:
    case OpKind::add:
    case OpKind::sub:
    case OpKind::mul:
    case OpKind::div:
    case OpKind::max:
    case OpKind::min:
    case OpKind::pow:
    case OpKind::reduce_sum:
    case OpKind::reduce_max:
    case OpKind::reshape:
    case OpKind::transpose:
    case OpKind::broadcast:
    case OpKind::slice:
    case OpKind::pad:
    case OpKind::concat:
    case OpKind::matmul:
    case OpKind::conv2d:
    case OpKind::conv2d_grad_input:
    case OpKind::conv2d_grad_weight:
    case OpKind::max_pool2d:
    case OpKind::avg_pool2d:
    case OpKind::avg_pool2d_grad:
    case OpKind::softmax:
    case OpKind::log_softmax: return is_float(operand_types[operand].dtype);
  }
  GRAPHC_ASSERT(false, "unhandled op");
}

std::vector<Tensor> vector_jacobian_product(const VjpCall& call) {
  GRAPHC_ASSERT(call.operands.size() == call.wanted.size(), "one wanted flag per operand");
  std::vector<Tensor> d(call.operands.size());
  apply_rule(call, d);
  for (size_t i = 0; i < d.size(); ++i) {
    if (!call.wanted[i]) {
      d[i] = Tensor();
      continue;
    }
    GRAPHC_ASSERT(d[i].valid(), op_name(call.node.op), " gave no gradient for operand ", i);
    GRAPHC_ASSERT(d[i].type() == call.operands[i].type(), op_name(call.node.op), " gave a gradient of type ",
                  d[i].type().str(), " for operand ", i, " of type ", call.operands[i].type().str());
    if (g_fault && g_fault->op == call.node.op) d[i] = d[i] * g_fault->scale;
  }
  return d;
}

ScopedVjpFaultForTesting::ScopedVjpFaultForTesting(OpKind op, double scale) { g_fault = Fault{op, scale}; }
ScopedVjpFaultForTesting::~ScopedVjpFaultForTesting() { g_fault.reset(); }

}  // namespace graphc::passes
