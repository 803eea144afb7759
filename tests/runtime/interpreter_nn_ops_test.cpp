// Softmax, log-softmax, cross-entropy, one-hot and dropout masks: values
// worked out by hand, stability on large logits, label errors, and the
// statistics and determinism of dropout masks.
#include <cmath>

#include "interpreter_test_util.h"
#include "runtime/philox.h"

namespace graphc::runtime::interpreter_testing {
namespace {

// For the logits [1,2,3]: e + e^2 + e^3 = 2.718281828459045 + 7.38905609893065
// + 20.085536923187668 = 30.19287485057736, whose log is 3.4076059644443806.
constexpr double kLogSumExp123 = 3.4076059644443806;
const std::vector<double> kSoftmax123{0.09003057317038046, 0.24472847105479764, 0.6652409557748219};

INTERPRETER_OP_TEST(softmax, Row) {
  OpRunner r;
  expect_tensor(r.run(softmax(r.input("x", f32({1, 3}, {1, 2, 3})))), DType::f32, {1, 3}, kSoftmax123, 1e-15);
}

INTERPRETER_OP_TEST(softmax, LargeLogitsDoNotOverflow) {
  OpRunner r;
  expect_tensor(r.run(softmax(r.input("x", f32({1, 3}, {1001, 1002, 1003})))), DType::f32, {1, 3}, kSoftmax123, 1e-15);
}

INTERPRETER_OP_TEST(softmax, AlongTheFirstAxis) {
  // Columns [0, ln 3] -> [1/4, 3/4]; column [5, 5] -> [1/2, 1/2].
  OpRunner r;
  Tensor x = r.input("x", f32({2, 2}, {0, 5, std::log(3.0), 5}));
  expect_tensor(r.run(softmax(x, 0)), DType::f32, {2, 2}, {0.25, 0.5, 0.75, 0.5}, 1e-15);
}

INTERPRETER_OP_TEST(log_softmax, Row) {
  OpRunner r;
  expect_tensor(r.run(log_softmax(r.input("x", f32({1, 3}, {1, 2, 3})))), DType::f32, {1, 3},
                {1 - kLogSumExp123, 2 - kLogSumExp123, 3 - kLogSumExp123}, 1e-15);
}

INTERPRETER_OP_TEST(log_softmax, LargeLogitsStayFinite) {
  OpRunner r;
  expect_tensor(r.run(log_softmax(r.input("x", f32({1, 2}, {-1000, 1000})))), DType::f32, {1, 2}, {-2000, 0});
}

INTERPRETER_OP_TEST(softmax_cross_entropy, PerRowLoss) {
  // Row 0: log(e+e^2+e^3) - 3; row 1: log(e^0 + e^0 + e^0) - 0 = log 3.
  OpRunner r;
  Tensor logits = r.input("logits", f32({2, 3}, {1, 2, 3, 0, 0, 0}), {kBatch, 3});
  Tensor labels = r.input("labels", i32({2}, {2, 0}), {kBatch});
  expect_tensor(r.run(softmax_cross_entropy(logits, labels)), DType::f32, {2}, {kLogSumExp123 - 3, std::log(3.0)},
                1e-15);
}

INTERPRETER_OP_TEST(softmax_cross_entropy, LabelOutOfRangeNamesLabelAndRow) {
  OpRunner r;
  Tensor logits = r.input("logits", f32({2, 3}, {1, 2, 3, 0, 0, 0}));
  Tensor labels = r.input("labels", i32({2}, {1, 3}));
  try {
    r.run(softmax_cross_entropy(logits, labels));
    FAIL() << "no error";
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("label 3"), std::string::npos) << m;
    EXPECT_NE(m.find("row 1"), std::string::npos) << m;
    EXPECT_NE(m.find("softmax_cross_entropy"), std::string::npos) << m;
  }
}

INTERPRETER_OP_TEST(one_hot, OutOfRangeGivesAZeroRow) {
  OpRunner r;
  Tensor labels = r.input("labels", i32({4}, {0, 2, 5, -1}));
  expect_tensor(r.run(one_hot(labels, 3)), DType::f32, {4, 3}, {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0});
}

INTERPRETER_OP_TEST(one_hot, KeepsLeadingDims) {
  OpRunner r;
  Tensor labels = r.input("labels", i32({2, 1}, {1, 0}));
  expect_tensor(r.run(one_hot(labels, 2)), DType::f32, {2, 1, 2}, {0, 1, 1, 0});
}

// A dropout mask of `count` elements with probability p, seeded by `seed`.
HostTensor mask(double p, int64_t seed, int64_t count, int extra_streams_before = 0) {
  OpRunner r;
  r.feeds["seed"] = HostTensor(DType::i64, {}, {static_cast<double>(seed)});
  for (int i = 0; i < extra_streams_before; ++i) r.b.next_rng_stream();
  return r.run(dropout_mask(r.b, {count}, p));
}

INTERPRETER_OP_TEST(dropout_mask, FractionAndValues) {
  const double p = 0.25;
  HostTensor m = mask(p, 42, 100000);
  ASSERT_EQ(m.numel(), 100000);
  int64_t dropped = 0;
  for (double v : m.data) {
    if (v == 0)
      ++dropped;
    else
      ASSERT_EQ(v, 1.0 / (1.0 - p));
  }
  // The fraction's standard deviation is sqrt(p(1-p)/n) ~ 0.0014.
  EXPECT_NEAR(static_cast<double>(dropped) / 100000.0, p, 0.01);
}

INTERPRETER_OP_TEST(dropout_mask, FollowsThePhiloxDefinition) {
  HostTensor m = mask(0.5, 7, 64, 3);  // the fourth stream: stream 3
  for (int64_t i = 0; i < 64; ++i) EXPECT_EQ(m.data[i], philox_uniform(7, 3, i) >= 0.5f ? 2.0 : 0.0) << "element " << i;
}

INTERPRETER_OP_TEST(dropout_mask, KeepsAnElementWhoseUniformEqualsP) {
  // p set to element 0's own uniform: kept (u >= p); element i with u < p dropped.
  const double p = philox_uniform(11, 0, 0);
  HostTensor m = mask(p, 11, 16);
  EXPECT_EQ(m.data[0], 1.0 / (1.0 - p));
  for (int64_t i = 1; i < 16; ++i) EXPECT_EQ(m.data[i], philox_uniform(11, 0, i) >= p ? 1.0 / (1.0 - p) : 0.0);
}

INTERPRETER_OP_TEST(dropout_mask, DeterministicPerSeedAndStream) {
  HostTensor a = mask(0.5, 1, 256), again = mask(0.5, 1, 256);
  HostTensor other_seed = mask(0.5, 2, 256), other_stream = mask(0.5, 1, 256, 1);
  EXPECT_EQ(a.data, again.data);
  EXPECT_NE(a.data, other_seed.data);
  EXPECT_NE(a.data, other_stream.data);
}

INTERPRETER_OP_TEST(dropout_mask, ZeroProbabilityKeepsEverything) {
  HostTensor m = mask(0.0, 3, 1000);
  for (double v : m.data) ASSERT_EQ(v, 1.0);
}

INTERPRETER_OP_TEST(dropout_mask, ShapeWithN) {
  OpRunner r;
  Tensor x = r.input("x", f32({3, 2}, {1, 1, 1, 1, 1, 1}), {kBatch, 2});
  r.feeds["seed"] = HostTensor(DType::i64, {}, {5});
  HostTensor out = r.run(x * dropout_mask(r.b, {kBatch, 2}, 0.5));
  EXPECT_EQ(out.shape, Shape({3, 2}));
  for (int64_t i = 0; i < 6; ++i) EXPECT_EQ(out.data[i], philox_uniform(5, 0, i) >= 0.5f ? 2.0 : 0.0);
}

}  // namespace
}  // namespace graphc::runtime::interpreter_testing
