// Every differentiable op's gradient rule against central finite differences
// in double precision (runtime::check_gradients on a tiny graph per case), on
// random values and shapes chosen to hit broadcasting, strides, padding,
// dilation, groups and the other corners of each rule. The last test makes
// sure no op of the table is left out: each is exercised by a case here or
// listed as not differentiable.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <set>

#include "frontend/nn.h"
#include "ir/printer.h"
#include "passes/autodiff.h"
#include "passes/vjp_rules.h"
#include "runtime/grad_check.h"

namespace graphc {
namespace {

// A case builds y = f(parameters, inputs); the loss is sum(y * r) with r a
// random input of y's shape, so every element of y gets its own gradient
// (a plain sum would hide errors, e.g. sum(softmax(x)) does not depend on x).
struct OpCase {
  std::string name;
  std::function<Tensor(Builder&)> build;
};

// A trainable parameter drawn uniformly from [lo, hi].
Tensor param(Builder& b, const std::string& name, Shape shape, double lo = -1, double hi = 1) {
  return b.parameter(name, std::move(shape), InitSpec{"uniform", {lo, hi}});
}
Tensor frozen(Builder& b, const std::string& name, Shape shape, double lo = -1, double hi = 1) {
  return b.parameter(name, std::move(shape), InitSpec{"uniform", {lo, hi}}, false);
}
// A batch input [N, dims...] times a parameter, so the result depends
// differentiably on the parameter and has N in its shape.
Tensor batched(Builder& b, const std::string& name, std::vector<int64_t> dims) {
  std::vector<int64_t> full{kBatch};
  full.insert(full.end(), dims.begin(), dims.end());
  return b.input(name + "_in", DType::f32, Shape(full)) * param(b, name, Shape(dims));
}
// Integer labels [n] in [0, classes): the check draws them from the last
// dimension of the graph's prediction output.
Tensor labels_for(Builder& b, Tensor logits, Shape shape) {
  b.output("logits", logits, OutputRole::prediction);
  return b.input("labels", DType::i32, std::move(shape), InputRole::label);
}

Graph case_graph(const OpCase& c) {
  Graph g(c.name);
  Builder b(g, Mode::train);
  Tensor y = c.build(b);
  Tensor r = b.input("r", y.dtype(), y.shape());
  b.output("loss", sum(y * r), OutputRole::loss);
  return g;
}

Conv2dOptions conv(std::vector<int64_t> stride, std::vector<int64_t> padding, std::vector<int64_t> dilation,
                   int64_t groups) {
  return {std::move(stride), std::move(padding), std::move(dilation), groups};
}
Pool2dOptions pool(std::vector<int64_t> kernel, std::vector<int64_t> stride, std::vector<int64_t> padding,
                   std::vector<int64_t> dilation = {1, 1}, bool count_include_pad = true) {
  Pool2dOptions o;
  o.kernel = std::move(kernel);
  o.stride = std::move(stride);
  o.padding = std::move(padding);
  o.dilation = std::move(dilation);
  o.count_include_pad = count_include_pad;
  return o;
}

using Binary = Tensor (*)(Tensor, Tensor);
Tensor add_fn(Tensor a, Tensor b) { return a + b; }
Tensor sub_fn(Tensor a, Tensor b) { return a - b; }
Tensor mul_fn(Tensor a, Tensor b) { return a * b; }
Tensor div_fn(Tensor a, Tensor b) { return a / b; }

// Each binary op on the same shapes, on N against 1, on rank-expanding
// broadcasts both ways, and on a scalar.
void add_binary_cases(std::vector<OpCase>& cases, const std::string& op, Binary f, double b_lo, double b_hi) {
  cases.push_back({op + "_same_shape", [=](Builder& b) { return f(param(b, "a", {2, 3}), param(b, "b", {2, 3}, b_lo, b_hi)); }});
  cases.push_back({op + "_batch_vs_1", [=](Builder& b) {
                     Tensor a = batched(b, "a", {3});
                     Tensor c = param(b, "b", {1, 3}, b_lo, b_hi);
                     return f(a, c);
                   }});
  cases.push_back({op + "_rank_expanding", [=](Builder& b) { return f(param(b, "a", {4, 2, 3}), param(b, "b", {3}, b_lo, b_hi)); }});
  cases.push_back({op + "_both_broadcast", [=](Builder& b) { return f(param(b, "a", {2, 1}), param(b, "b", {1, 3}, b_lo, b_hi)); }});
  cases.push_back({op + "_scalar", [=](Builder& b) { return f(param(b, "a", {}), param(b, "b", {2, 3}, b_lo, b_hi)); }});
}

std::vector<OpCase> all_cases() {
  std::vector<OpCase> c;
  // Elementwise unary; log, sqrt and rsqrt on positive values.
  c.push_back({"neg", [](Builder& b) { return -param(b, "x", {2, 3}); }});
  c.push_back({"exp", [](Builder& b) { return exp(param(b, "x", {2, 3})); }});
  c.push_back({"log", [](Builder& b) { return log(param(b, "x", {2, 3}, 0.5, 2)); }});
  c.push_back({"sqrt", [](Builder& b) { return sqrt(param(b, "x", {2, 3}, 0.5, 2)); }});
  c.push_back({"rsqrt", [](Builder& b) { return rsqrt(param(b, "x", {2, 3}, 0.5, 2)); }});
  c.push_back({"tanh", [](Builder& b) { return tanh(param(b, "x", {2, 3})); }});
  c.push_back({"sigmoid", [](Builder& b) { return sigmoid(param(b, "x", {2, 3}, -3, 3)); }});
  c.push_back({"relu", [](Builder& b) { return relu(param(b, "x", {3, 4})); }});
  c.push_back({"abs", [](Builder& b) { return abs(param(b, "x", {3, 4})); }});
  c.push_back({"cast_float", [](Builder& b) { return cast(cast(param(b, "x", {2, 3}), DType::f64), DType::f32) * 3.0; }});
  c.push_back({"cast_through_integer_is_constant", [](Builder& b) {
                 Tensor x = param(b, "x", {2, 3});
                 return x * cast(cast(x * 5.0, DType::i32), DType::f32);
               }});

  // Elementwise binary with broadcasting.
  add_binary_cases(c, "add", add_fn, -1, 1);
  add_binary_cases(c, "sub", sub_fn, -1, 1);
  add_binary_cases(c, "mul", mul_fn, -1, 1);
  add_binary_cases(c, "div", div_fn, 0.5, 2);
  add_binary_cases(c, "max", maximum, -1, 1);
  add_binary_cases(c, "min", minimum, -1, 1);
  c.push_back({"pow_both", [](Builder& b) { return pow(param(b, "a", {2, 3}, 0.5, 2), param(b, "b", {3}, -1, 2)); }});
  c.push_back({"pow_constant_exponent", [](Builder& b) { return pow(param(b, "a", {2, 3}, 0.5, 2), 3.0); }});
  c.push_back({"select", [](Builder& b) {
                 Tensor cond = gt(frozen(b, "c", {2, 3}), b.constant(0.0));
                 return select(cond, param(b, "a", {3}), param(b, "b", {2, 1}));
               }});

  // Reductions.
  c.push_back({"reduce_sum_axis", [](Builder& b) { return sum(param(b, "x", {2, 3, 4}), {1}); }});
  c.push_back({"reduce_sum_keepdims", [](Builder& b) { return sum(param(b, "x", {2, 3, 4}), {0, 2}, true); }});
  c.push_back({"reduce_sum_over_batch", [](Builder& b) { return sum(batched(b, "x", {3}), {0}); }});
  c.push_back({"mean_over_batch", [](Builder& b) { return mean(batched(b, "x", {2, 3})); }});
  c.push_back({"reduce_max_axis", [](Builder& b) { return max(param(b, "x", {3, 4}), {1}); }});
  c.push_back({"reduce_max_keepdims_all", [](Builder& b) { return max(param(b, "x", {2, 3, 2}), {0, 1, 2}, true); }});

  // Movement.
  c.push_back({"reshape", [](Builder& b) { return reshape(param(b, "x", {2, 3, 4}), {6, 4}); }});
  c.push_back({"transpose", [](Builder& b) { return transpose(param(b, "x", {2, 3, 4}), {2, 0, 1}); }});
  c.push_back({"broadcast", [](Builder& b) { return broadcast_to(param(b, "x", {3, 1}), {2, 3, 4}); }});
  c.push_back({"slice_contiguous", [](Builder& b) { return slice(param(b, "x", {4, 5}), {1, 2}, {3, 5}); }});
  c.push_back({"slice_strided", [](Builder& b) { return slice(param(b, "x", {5, 7}), {1, 0}, {5, 7}, {2, 3}); }});
  c.push_back({"slice_with_batch", [](Builder& b) { return slice(batched(b, "x", {6}), {0, 1}, {kBatch, 6}, {1, 2}); }});
  c.push_back({"pad", [](Builder& b) { return pad(param(b, "x", {2, 3}), {1, 0}, {2, 3}, 0.5); }});
  c.push_back({"concat", [](Builder& b) {
                 return concat({param(b, "a", {2, 1}), param(b, "b", {2, 3}), param(b, "c", {2, 2})}, 1);
               }});

  // Contractions.
  c.push_back({"matmul", [](Builder& b) { return matmul(param(b, "a", {3, 4}), param(b, "b", {4, 5})); }});
  c.push_back({"matmul_transpose_a", [](Builder& b) { return matmul(param(b, "a", {4, 3}), param(b, "b", {4, 5}), true); }});
  c.push_back({"matmul_transpose_b", [](Builder& b) { return matmul(param(b, "a", {3, 4}), param(b, "b", {5, 4}), false, true); }});
  c.push_back({"matmul_transpose_both", [](Builder& b) { return matmul(param(b, "a", {4, 3}), param(b, "b", {5, 4}), true, true); }});
  c.push_back({"matmul_batched", [](Builder& b) { return matmul(param(b, "a", {2, 3, 4}), param(b, "b", {2, 4, 5})); }});
  c.push_back({"matmul_shared_b", [](Builder& b) { return matmul(param(b, "a", {2, 3, 4}), param(b, "b", {4, 5})); }});
  c.push_back({"matmul_shared_b_transposed", [](Builder& b) {
                 return matmul(param(b, "a", {2, 4, 3}), param(b, "b", {5, 4}), true, true);
               }});
  c.push_back({"matmul_batch_rows", [](Builder& b) { return matmul(batched(b, "a", {4}), param(b, "b", {4, 3})); }});
  c.push_back({"conv2d", [](Builder& b) { return conv2d(param(b, "x", {2, 3, 5, 5}), param(b, "w", {4, 3, 3, 3})); }});
  c.push_back({"conv2d_strided_padded", [](Builder& b) {
                 return conv2d(param(b, "x", {1, 2, 7, 6}), param(b, "w", {3, 2, 3, 2}), conv({2, 2}, {1, 1}, {1, 1}, 1));
               }});
  c.push_back({"conv2d_dilated", [](Builder& b) {
                 return conv2d(param(b, "x", {1, 2, 7, 7}), param(b, "w", {2, 2, 3, 3}), conv({1, 2}, {2, 1}, {2, 2}, 1));
               }});
  c.push_back({"conv2d_grouped", [](Builder& b) {
                 return conv2d(param(b, "x", {2, 4, 5, 5}), param(b, "w", {6, 2, 3, 3}), conv({1, 1}, {1, 1}, {1, 1}, 2));
               }});
  c.push_back({"conv2d_batch", [](Builder& b) { return conv2d(batched(b, "x", {2, 4, 4}), param(b, "w", {3, 2, 2, 2})); }});
  // The adjoints are ops too; their rules make double backward possible.
  c.push_back({"conv2d_grad_input", [](Builder& b) {
                 Conv2dOptions o = conv({2, 1}, {1, 0}, {1, 2}, 2);
                 return conv2d_grad_input(param(b, "dy", {1, 4, 3, 2}), param(b, "w", {4, 1, 2, 2}), {1, 2, 5, 4}, o);
               }});
  c.push_back({"conv2d_grad_weight", [](Builder& b) {
                 Conv2dOptions o = conv({2, 1}, {1, 0}, {1, 2}, 2);
                 return conv2d_grad_weight(param(b, "x", {1, 2, 5, 4}), param(b, "dy", {1, 4, 3, 2}), {4, 1, 2, 2}, o);
               }});

  // Windows.
  c.push_back({"max_pool2d", [](Builder& b) { return max_pool2d(param(b, "x", {2, 2, 4, 4}), pool({2, 2}, {2, 2}, {0, 0})); }});
  c.push_back({"max_pool2d_overlapping_padded", [](Builder& b) {
                 return max_pool2d(param(b, "x", {1, 2, 5, 5}), pool({3, 3}, {2, 2}, {1, 1}));
               }});
  c.push_back({"max_pool2d_dilated", [](Builder& b) {
                 return max_pool2d(param(b, "x", {1, 1, 6, 6}), pool({2, 2}, {1, 2}, {0, 1}, {2, 2}));
               }});
  c.push_back({"max_pool2d_grad", [](Builder& b) {
                 return max_pool2d_grad(param(b, "dy", {1, 2, 2, 3}), frozen(b, "x", {1, 2, 5, 6}), pool({2, 2}, {2, 2}, {0, 0}));
               }});
  c.push_back({"avg_pool2d", [](Builder& b) { return avg_pool2d(param(b, "x", {2, 2, 4, 4}), pool({2, 2}, {2, 2}, {0, 0})); }});
  c.push_back({"avg_pool2d_padded_include", [](Builder& b) {
                 return avg_pool2d(param(b, "x", {1, 2, 5, 5}), pool({3, 3}, {2, 2}, {1, 1}, {1, 1}, true));
               }});
  c.push_back({"avg_pool2d_padded_exclude", [](Builder& b) {
                 return avg_pool2d(param(b, "x", {1, 2, 5, 5}), pool({3, 3}, {2, 2}, {1, 1}, {1, 1}, false));
               }});
  c.push_back({"avg_pool2d_grad", [](Builder& b) {
                 return avg_pool2d_grad(param(b, "dy", {1, 2, 3, 3}), {1, 2, 5, 5}, pool({3, 3}, {2, 2}, {1, 1}, {1, 1}, false));
               }});

  // Normalisations and losses.
  c.push_back({"softmax_last", [](Builder& b) { return softmax(param(b, "x", {3, 4}, -2, 2)); }});
  c.push_back({"softmax_first", [](Builder& b) { return softmax(param(b, "x", {3, 4}, -2, 2), 0); }});
  c.push_back({"log_softmax", [](Builder& b) { return log_softmax(param(b, "x", {3, 4}, -2, 2)); }});
  c.push_back({"log_softmax_middle", [](Builder& b) { return log_softmax(param(b, "x", {2, 3, 4}, -2, 2), 1); }});
  c.push_back({"softmax_cross_entropy", [](Builder& b) {
                 Tensor logits = param(b, "x", {4, 5}, -2, 2);
                 return softmax_cross_entropy(logits, labels_for(b, logits, {4}));
               }});
  c.push_back({"cross_entropy_loss", [](Builder& b) {
                 Tensor logits = batched(b, "x", {5});
                 return nn::cross_entropy(logits, labels_for(b, logits, {kBatch}));
               }});
  c.push_back({"nll_loss", [](Builder& b) {
                 Tensor logits = batched(b, "x", {5});
                 return nn::nll_loss(log_softmax(logits), labels_for(b, logits, {kBatch}));
               }});
  c.push_back({"mse_loss", [](Builder& b) {
                 return nn::mse_loss(batched(b, "x", {3}), b.input("target", DType::f32, {kBatch, 3}));
               }});
  c.push_back({"binary_cross_entropy", [](Builder& b) {
                 return nn::binary_cross_entropy(param(b, "p", {2, 3}, 0.1, 0.9), frozen(b, "t", {2, 3}, 0, 1));
               }});
  c.push_back({"binary_cross_entropy_with_logits", [](Builder& b) {
                 return nn::binary_cross_entropy_with_logits(param(b, "x", {2, 3}, -3, 3), frozen(b, "t", {2, 3}, 0, 1));
               }});
  c.push_back({"batch_norm2d_train", [](Builder& b) {
                 Tensor y = nn::BatchNorm2d(3)(param(b, "x", {4, 3, 2, 2}));
                 return y * y;
               }});
  c.push_back({"batch_norm1d_train_batch", [](Builder& b) {
                 Tensor y = nn::BatchNorm1d(3)(batched(b, "x", {3}));
                 return y * y;
               }});
  c.push_back({"dropout", [](Builder& b) { return nn::Dropout(0.5)(param(b, "x", {4, 5})); }});
  return c;
}

class OpGradient : public ::testing::TestWithParam<OpCase> {};

TEST_P(OpGradient, MatchesFiniteDifferences) {
  runtime::GradCheckOptions o;
  o.max_elements_per_parameter = 1000;  // every element of these small tensors
  runtime::GradCheckReport report = runtime::check_gradients(case_graph(GetParam()), o);
  EXPECT_TRUE(report.passed) << report.str();
  for (const auto& p : report.parameters) EXPECT_EQ(p.checked, p.numel) << p.name;
}

INSTANTIATE_TEST_SUITE_P(AllOps, OpGradient, ::testing::ValuesIn(all_cases()),
                         [](const ::testing::TestParamInfo<OpCase>& info) { return info.param.name; });

// Ops whose value carries no gradient to any operand (or only along a set of
// measure zero): they need no finite-difference case.
const std::set<OpKind> kNotDifferentiable{OpKind::input, OpKind::parameter, OpKind::constant, OpKind::batch_size,
                                          OpKind::eq,    OpKind::ne,        OpKind::lt,       OpKind::le,
                                          OpKind::gt,    OpKind::ge,        OpKind::argmax,   OpKind::one_hot,
                                          OpKind::dropout_mask};

TEST(OpGradientCoverage, EveryOpIsCheckedOrNotDifferentiable) {
  std::set<OpKind> covered;
  for (const OpCase& c : all_cases()) {
    Graph g = case_graph(c);
    for (const Node& n : g.nodes()) covered.insert(n.op);
  }
  for (const OpInfo& op : all_ops()) {
    if (kNotDifferentiable.count(op.kind)) continue;
    EXPECT_TRUE(covered.count(op.kind)) << op.name << " has no gradient test case";
  }
}

TEST(OpGradientCoverage, EveryRuleIsCheckedByACaseThatFailsWhenTheRuleIsWrong) {
  // For each differentiable op, scaling its rule's output by 1.5 must make
  // the first case that uses the op fail: the cases can see every rule.
  std::vector<OpCase> cases = all_cases();
  for (const OpInfo& op : all_ops()) {
    if (kNotDifferentiable.count(op.kind)) continue;
    for (const OpCase& c : cases) {
      Graph g = case_graph(c);
      bool uses = std::any_of(g.nodes().begin(), g.nodes().end(), [&](const Node& n) { return n.op == op.kind; });
      if (!uses) continue;
      passes::ScopedVjpFaultForTesting broken(op.kind, 1.5);
      EXPECT_FALSE(runtime::check_gradients(g).passed) << op.name << " broken, yet case " << c.name << " passes";
      break;
    }
  }
}

TEST(OpGradientCoverage, NonDifferentiableOpsCarryNoGradient) {
  // The loss sees x only through argmax and a comparison: x gets a zero
  // gradient and no backward node is built (just the zero and its broadcast).
  Graph g("argmax_only");
  Builder b(g);
  Tensor x = param(b, "x", {2, 3});
  Tensor counted = sum(cast(argmax(x, 1), DType::f32)) + sum(cast(gt(x, b.constant(0.0)), DType::f32));
  b.output("loss", counted, OutputRole::loss);
  Graph t = passes::build_training_graph(g);
  ASSERT_NE(t.find_output("x"), nullptr);
  EXPECT_EQ(t.size(), g.size() + 2);
  EXPECT_EQ(print_node(t, t.find_output("x")->value), cat("%", g.size() + 1, " = broadcast(%", g.size(),
                                                          ") {shape=[2,3]} : f32[2,3]"));
}

TEST(OpGradientCoverage, OverlappingMaxPoolHasNoSecondOrderGradient) {
  OpCase c{"max_pool2d_grad_overlapping", [](Builder& b) {
             return max_pool2d_grad(param(b, "dy", {1, 1, 2, 2}), frozen(b, "x", {1, 1, 5, 5}), pool({3, 3}, {2, 2}, {0, 0}));
           }};
  try {
    passes::build_training_graph(case_graph(c));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("second-order gradient of max_pool2d_grad"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace graphc
