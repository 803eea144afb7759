// Example uses of every op; see op_examples.h. Attribute values are chosen to
// be unusual (asymmetric strides, dilation, groups, inexact floats) so that a
// serializer or printer that drops or rounds one is caught.
#include "tests/ir/op_examples.h"

namespace graphc::testing {

namespace {

ValueId input(Graph& g, OpKind op, const char* role, DType dtype, Shape shape) {
  return g.add_input(cat(op_name(op), ".", role), {dtype, std::move(shape)}, InputRole::data);
}

ValueId f32_input(Graph& g, OpKind op, const char* role, Shape shape) {
  return input(g, op, role, DType::f32, std::move(shape));
}

using Ints = std::vector<int64_t>;
const AttrMap kConvAttrs{{"stride", Ints{2, 1}}, {"padding", Ints{1, 0}}, {"dilation", Ints{1, 2}}, {"groups", int64_t{2}}};

AttrMap with(AttrMap base, const std::string& name, Attr value) {
  base[name] = std::move(value);
  return base;
}

}  // namespace

ValueId add_op_example(Graph& g, OpKind op) {
  switch (op) {
    case OpKind::input: return f32_input(g, op, "x", {kBatch, 1, 28, 28});
    case OpKind::parameter:
      return g.add_parameter(cat(op_name(op), ".weight"), {3, 4}, InitSpec{"uniform", {-0.1, 0.30000000000000004}}, false);
    case OpKind::constant: return g.add_constant(0.1, DType::f64);
    case OpKind::batch_size: return g.add(op, {});

    case OpKind::neg:
    case OpKind::exp:
    case OpKind::log:
    case OpKind::sqrt:
    case OpKind::rsqrt:
    case OpKind::tanh:
    case OpKind::sigmoid:
    case OpKind::relu:
    case OpKind::abs: return g.add(op, {f32_input(g, op, "x", {kBatch, 4})});
    case OpKind::cast: return g.add(op, {f32_input(g, op, "x", {kBatch, 4})}, {{"dtype", DType::i32}});

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
    case OpKind::ge: return g.add(op, {f32_input(g, op, "a", {kBatch, 4}), f32_input(g, op, "b", {4})});
    case OpKind::select:
      return g.add(op, {input(g, op, "cond", DType::boolean, {kBatch, 1}), f32_input(g, op, "a", {kBatch, 4}),
                        f32_input(g, op, "b", {4})});

    case OpKind::reduce_sum:
      return g.add(op, {f32_input(g, op, "x", {kBatch, 3, 4})}, {{"axes", Ints{1, 2}}, {"keepdims", true}});
    case OpKind::reduce_max:
      return g.add(op, {f32_input(g, op, "x", {kBatch, 3, 4})}, {{"axes", Ints{0}}, {"keepdims", false}});
    case OpKind::argmax: return g.add(op, {f32_input(g, op, "x", {kBatch, 10})}, {{"axis", int64_t{1}}});

    case OpKind::reshape: return g.add(op, {f32_input(g, op, "x", {kBatch, 2, 3})}, {{"shape", Ints{kBatch, 6}}});
    case OpKind::transpose: return g.add(op, {f32_input(g, op, "x", {kBatch, 2, 3})}, {{"perm", Ints{0, 2, 1}}});
    case OpKind::broadcast: return g.add(op, {f32_input(g, op, "x", {1, 3})}, {{"shape", Ints{kBatch, 2, 3}}});
    case OpKind::slice:
      return g.add(op, {f32_input(g, op, "x", {kBatch, 10, 8})},
                   {{"begin", Ints{0, 1, 0}}, {"end", Ints{kBatch, 9, 8}}, {"step", Ints{1, 2, 3}}});
    case OpKind::pad:
      return g.add(op, {f32_input(g, op, "x", {kBatch, 3, 4})},
                   {{"low", Ints{0, 1, 2}}, {"high", Ints{0, 0, 1}}, {"value", -0.25}});
    case OpKind::concat:
      return g.add(op, {f32_input(g, op, "a", {kBatch, 2}), f32_input(g, op, "b", {kBatch, 3})}, {{"axis", int64_t{1}}});

    case OpKind::matmul:
      return g.add(op, {f32_input(g, op, "a", {kBatch, 784}), f32_input(g, op, "b", {10, 784})},
                   {{"transpose_a", false}, {"transpose_b", true}});
    // x[N,4,9,9] * w[6,2,3,3], stride (2,1), padding (1,0), dilation (1,2),
    // groups 2 -> [N,6,5,5].
    case OpKind::conv2d:
      return g.add(op, {f32_input(g, op, "x", {kBatch, 4, 9, 9}), f32_input(g, op, "w", {6, 2, 3, 3})}, kConvAttrs);
    case OpKind::conv2d_grad_input:
      return g.add(op, {f32_input(g, op, "dy", {kBatch, 6, 5, 5}), f32_input(g, op, "w", {6, 2, 3, 3})},
                   with(kConvAttrs, "input_shape", Ints{kBatch, 4, 9, 9}));
    case OpKind::conv2d_grad_weight:
      return g.add(op, {f32_input(g, op, "x", {kBatch, 4, 9, 9}), f32_input(g, op, "dy", {kBatch, 6, 5, 5})},
                   with(kConvAttrs, "weight_shape", Ints{6, 2, 3, 3}));

    case OpKind::max_pool2d:
      return g.add(op, {f32_input(g, op, "x", {kBatch, 3, 8, 8})},
                   {{"kernel", Ints{3, 3}}, {"stride", Ints{2, 2}}, {"padding", Ints{1, 1}}, {"dilation", Ints{1, 1}}});
    case OpKind::max_pool2d_grad:
      return g.add(op, {f32_input(g, op, "dy", {kBatch, 3, 4, 4}), f32_input(g, op, "x", {kBatch, 3, 8, 8})},
                   {{"kernel", Ints{3, 3}}, {"stride", Ints{2, 2}}, {"padding", Ints{1, 1}}, {"dilation", Ints{1, 1}}});
    case OpKind::avg_pool2d:
      return g.add(op, {f32_input(g, op, "x", {kBatch, 3, 8, 8})},
                   {{"kernel", Ints{2, 2}}, {"stride", Ints{2, 2}}, {"padding", Ints{1, 0}}, {"count_include_pad", false}});
    case OpKind::avg_pool2d_grad:
      return g.add(op, {f32_input(g, op, "dy", {kBatch, 3, 5, 4})},
                   {{"kernel", Ints{2, 2}},
                    {"stride", Ints{2, 2}},
                    {"padding", Ints{1, 0}},
                    {"count_include_pad", false},
                    {"input_shape", Ints{kBatch, 3, 8, 8}}});

    case OpKind::softmax:
    case OpKind::log_softmax: return g.add(op, {f32_input(g, op, "x", {kBatch, 10})}, {{"axis", int64_t{1}}});
    case OpKind::softmax_cross_entropy:
      return g.add(op, {f32_input(g, op, "logits", {kBatch, 10}), input(g, op, "labels", DType::i32, {kBatch})});
    case OpKind::one_hot: return g.add(op, {input(g, op, "labels", DType::i32, {kBatch})}, {{"classes", int64_t{10}}});
    case OpKind::dropout_mask: {
      ValueId seed = g.add_input(cat(op_name(op), ".seed"), {DType::i64, {}}, InputRole::seed);
      return g.add(op, {seed}, {{"p", 0.3}, {"stream", int64_t{3}}, {"shape", Ints{kBatch, 128}}});
    }
  }
  GRAPHC_ASSERT(false, "unhandled op");
}

Graph op_example_graph(OpKind op) {
  Graph g(cat(op_name(op), "_example"));
  g.add_output("out", add_op_example(g, op), OutputRole::value);
  return g;
}

Graph op_class_graph(OpClass cls) {
  Graph g(cat(op_class_name(cls), "_ops"));
  for (const OpInfo& info : all_ops())
    if (info.cls == cls) g.add_output(std::string(info.name), add_op_example(g, info.kind), OutputRole::value);
  return g;
}

}  // namespace graphc::testing
