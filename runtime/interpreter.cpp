// The reference interpreter's run loop and its op table: how every op is
// evaluated, one line per op, with the elementwise formulas written out here
// the per-element formulas in ir/elementwise_math.h, the loop nests in
// runtime/interpreter/<family>.cpp.
//
// Numbers: every value is a double, whatever its dtype; float results are
// never rounded to f32 (the interpreter is the exact reference). Integer and
// bool results are made values of their dtype after every node: truncated
// toward zero (so integer division truncates, as C does), wrapped to 32 bits
// for i32 and 8 bits for u8, 0/1 for bool; a non-finite integer result (say,
// integer division by zero) is an error.
#include <cmath>

#include "runtime/interpreter.h"
#include "runtime/interpreter/kernels.h"

namespace graphc::runtime {

namespace {

using namespace interp;

double wrap(double v, double lowest, double modulus) {
  double r = std::fmod(v - lowest, modulus);
  if (r < 0) r += modulus;
  return r + lowest;
}

void make_integral(HostTensor& t) {
  if (is_float(t.dtype)) return;
  for (double& v : t.data) {
    if (!std::isfinite(v)) throw Error(cat("result has the non-finite value ", v, ", not a ", dtype_name(t.dtype)));
    v = std::trunc(v);
    switch (t.dtype) {
      case DType::boolean: v = v != 0 ? 1.0 : 0.0; break;
      case DType::u8: v = wrap(v, 0, 256); break;
      case DType::i32: v = wrap(v, -2147483648.0, 4294967296.0); break;
      case DType::i64:  // not wrapped: doubles hold i64 exactly only up to 2^53 anyway
      case DType::f32:
      case DType::f64:
      case DType::f16:
      case DType::bf16: break;
    }
  }
}

HostTensor evaluate(const Node& n, const std::vector<const HostTensor*>& in, std::optional<int64_t> batch) {
  auto x = [&]() -> const HostTensor& { return *in[0]; };
  auto y = [&]() -> const HostTensor& { return *in[1]; };
  switch (n.op) {
    case OpKind::input:
    case OpKind::parameter: GRAPHC_ASSERT(false, "fed values are read in place by run()");
    case OpKind::constant: return HostTensor(n.type.dtype, {}, {n.f("value")});
    case OpKind::batch_size:
      GRAPHC_ASSERT(batch.has_value(), "batch_size without a bound N");
      return HostTensor(DType::f32, {}, {static_cast<double>(*batch)});

    case OpKind::neg:
    case OpKind::exp:
    case OpKind::log:
    case OpKind::sqrt:
    case OpKind::rsqrt:
    case OpKind::tanh:
    case OpKind::sigmoid:
    case OpKind::relu:
    case OpKind::abs: return map_unary(n, x());
    case OpKind::cast: return cast(n, x());

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
    case OpKind::ge: return map_binary(n, x(), y());
    case OpKind::select: return select(n, x(), y(), *in[2]);

    case OpKind::reduce_sum: return reduce_sum(n, x());
    case OpKind::reduce_max: return reduce_max(n, x());
    case OpKind::argmax: return argmax(n, x());

    case OpKind::reshape: return reshape(n, x());
    case OpKind::transpose: return transpose(n, x());
    case OpKind::broadcast: return broadcast(n, x());
    case OpKind::slice: return slice(n, x());
    case OpKind::pad: return pad(n, x());
    case OpKind::concat: return concat(n, in);

    case OpKind::matmul: return matmul(n, x(), y());
    case OpKind::conv2d: return conv2d(n, x(), y());
    case OpKind::conv2d_grad_input: return conv2d_grad_input(n, x(), y());
    case OpKind::conv2d_grad_weight: return conv2d_grad_weight(n, x(), y());

    case OpKind::max_pool2d: return max_pool2d(n, x());
    case OpKind::max_pool2d_grad: return max_pool2d_grad(n, x(), y());
    case OpKind::avg_pool2d: return avg_pool2d(n, x());
    case OpKind::avg_pool2d_grad: return avg_pool2d_grad(n, x());
    case OpKind::softmax: return softmax(n, x());
    case OpKind::log_softmax: return log_softmax(n, x());
    case OpKind::softmax_cross_entropy: return softmax_cross_entropy(n, x(), y());
    case OpKind::one_hot: return one_hot(n, x());
    case OpKind::dropout_mask: return dropout_mask(n, x());
  }
  GRAPHC_ASSERT(false, "unhandled op ", op_name(n.op));
}

// The values of one run, by ValueId: computed values are owned here, fed
// values are read in place (a batch of images is not copied every step).
struct Values {
  std::vector<HostTensor> owned;
  std::vector<const HostTensor*> view;
};

// Evaluates the nodes of g in order. With keep_all, every value is kept
// (interpret_all); otherwise only what the outputs need is computed, and each
// value is freed after its last use.
Values run(const Graph& graph, const TensorMap& feeds, bool keep_all) {
  const BoundGraph bound = bind_feeds(graph, feeds);
  const Graph& g = bound.graph;
  const size_t count = g.size();

  std::vector<bool> needed(count, keep_all), keep(count, keep_all);
  std::vector<size_t> last_use(count, 0);
  for (const Output& o : g.outputs()) needed[o.value] = keep[o.value] = true;
  for (size_t i = count; i-- > 0;) {
    if (!needed[i]) continue;
    for (ValueId v : g.node(static_cast<ValueId>(i)).operands) {
      needed[v] = true;
      last_use[v] = std::max(last_use[v], i);
    }
  }

  Values values{std::vector<HostTensor>(count), std::vector<const HostTensor*>(count, nullptr)};
  std::vector<const HostTensor*> operands;
  for (size_t i = 0; i < count; ++i) {
    if (!needed[i]) continue;
    const Node& n = g.node(static_cast<ValueId>(i));
    if (n.op == OpKind::input || n.op == OpKind::parameter) {
      values.view[i] = &feeds.at(n.s("name"));  // bind_feeds checked its type
      continue;
    }
    operands.clear();
    for (ValueId v : n.operands) operands.push_back(values.view[v]);
    try {
      values.owned[i] = evaluate(n, operands, bound.batch);
      make_integral(values.owned[i]);
    } catch (const Error& e) {
      throw Error(cat("%", i, " = ", op_name(n.op), ": ", e.what()));
    }
    values.view[i] = &values.owned[i];
    for (ValueId v : n.operands)
      if (!keep[v] && last_use[v] == i) {
        values.owned[v] = HostTensor();
        values.view[v] = nullptr;
      }
  }
  return values;
}

}  // namespace

TensorMap interpret(const Graph& g, const TensorMap& feeds) {
  Values values = run(g, feeds, false);
  // Computed values move into the result; fed ones, and a value that is
  // also an earlier output, are copied.
  std::vector<int> uses_left(g.size(), 0);
  for (const Output& o : g.outputs()) ++uses_left[o.value];
  TensorMap out;
  for (const Output& o : g.outputs()) {
    const bool owned = values.view[o.value] == &values.owned[o.value];
    if (owned && --uses_left[o.value] == 0)
      out[o.name] = std::move(values.owned[o.value]);
    else
      out[o.name] = *values.view[o.value];
  }
  return out;
}

std::vector<HostTensor> interpret_all(const Graph& g, const TensorMap& feeds) {
  Values values = run(g, feeds, true);
  for (size_t i = 0; i < values.owned.size(); ++i)
    if (values.view[i] != &values.owned[i]) values.owned[i] = *values.view[i];
  return std::move(values.owned);
}

}  // namespace graphc::runtime
