// Shape inference rejects bad programs with messages that name the op, its
// operand types and what is wrong. The exact text is asserted because it is
// what a user reads: one case (at least) per op class.
#include <gtest/gtest.h>

#include "ir/graph.h"
#include "tests/ir/error_text.h"

namespace graphc {
namespace {

using testing::error_text;
using Ints = std::vector<int64_t>;

class ShapeErrors : public ::testing::Test {
 protected:
  ValueId in(const std::string& name, DType dtype, Shape shape) {
    return g.add_input(name, {dtype, std::move(shape)}, InputRole::data);
  }
  ValueId f32(const std::string& name, Shape shape) { return in(name, DType::f32, std::move(shape)); }
  std::string add_error(OpKind op, std::vector<ValueId> operands, AttrMap attrs = {}) {
    return error_text([&] { g.add(op, std::move(operands), std::move(attrs)); });
  }

  Graph g{"errors"};
};

const AttrMap kConv{{"stride", Ints{1, 1}}, {"padding", Ints{0, 0}}, {"dilation", Ints{1, 1}}, {"groups", int64_t{1}}};
const AttrMap kPool{{"kernel", Ints{3, 3}}, {"stride", Ints{1, 1}}, {"padding", Ints{0, 0}}, {"dilation", Ints{1, 1}}};

AttrMap with(AttrMap base, const std::string& name, Attr value) {
  base[name] = std::move(value);
  return base;
}

TEST_F(ShapeErrors, Elementwise) {
  ValueId a = f32("a", {kBatch, 3}), b = f32("b", {4}), c = f32("c", {5, 3});
  ValueId i = in("i", DType::i32, {kBatch, 3}), m = in("m", DType::boolean, {kBatch, 3});
  EXPECT_EQ(add_error(OpKind::add, {a, b}),
            "add(f32[N,3], f32[4]): shapes do not broadcast (each dimension must match or be 1; N matches only N or 1)");
  EXPECT_EQ(add_error(OpKind::mul, {a, c}),
            "mul(f32[N,3], f32[5,3]): shapes do not broadcast (each dimension must match or be 1; N matches only N or 1)");
  EXPECT_EQ(add_error(OpKind::sub, {a, i}), "sub(f32[N,3], i32[N,3]): operand dtypes differ (f32 vs i32)");
  EXPECT_EQ(add_error(OpKind::exp, {i}), "exp(i32[N,3]): operand 0 must be floating point, got i32");
  EXPECT_EQ(add_error(OpKind::add, {m, m}), "add(bool[N,3], bool[N,3]): arithmetic on bool");
  EXPECT_EQ(add_error(OpKind::select, {a, a, a}), "select(f32[N,3], f32[N,3], f32[N,3]): the condition must be bool");
}

TEST_F(ShapeErrors, Reduction) {
  ValueId x = f32("x", {kBatch, 3});
  EXPECT_EQ(add_error(OpKind::reduce_sum, {x}, {{"axes", Ints{2}}, {"keepdims", false}}),
            "reduce_sum(f32[N,3]): axis 2 is out of range for rank 2");
  EXPECT_EQ(add_error(OpKind::reduce_max, {x}, {{"axes", Ints{1, 1}}, {"keepdims", false}}),
            "reduce_max(f32[N,3]): axis 1 is listed twice");
  EXPECT_EQ(add_error(OpKind::argmax, {x}, {{"axis", int64_t{-1}}}), "argmax(f32[N,3]): axis=-1 is out of range for rank 2");
}

TEST_F(ShapeErrors, Movement) {
  ValueId x = f32("x", {kBatch, 784}), y = f32("y", {2, 3});
  EXPECT_EQ(add_error(OpKind::reshape, {x}, {{"shape", Ints{kBatch, 100}}}),
            "reshape(f32[N,784]): target [N,100] holds 100 elements per batch row, the input 784");
  EXPECT_EQ(add_error(OpKind::reshape, {y}, {{"shape", Ints{5}}}),
            "reshape(f32[2,3]): target [5] holds 5 elements, the input 6");
  EXPECT_EQ(add_error(OpKind::reshape, {x}, {{"shape", Ints{784}}}),
            "reshape(f32[N,784]): N must appear in both shapes or neither (target [784])");
  EXPECT_EQ(add_error(OpKind::transpose, {y}, {{"perm", Ints{0, 0}}}), "transpose(f32[2,3]): perm [0,0] is not a permutation");
  EXPECT_EQ(add_error(OpKind::transpose, {y}, {{"perm", Ints{1, 0, 2}}}),
            "transpose(f32[2,3]): perm has 3 entries for rank 2");
  EXPECT_EQ(add_error(OpKind::slice, {x}, {{"begin", Ints{0, 2}}, {"end", Ints{kBatch, 800}}, {"step", Ints{1, 1}}}),
            "slice(f32[N,784]): axis 1: need 0 <= begin < end <= 784 and step >= 1, got 2:800:1");
  EXPECT_EQ(add_error(OpKind::slice, {x}, {{"begin", Ints{1, 0}}, {"end", Ints{kBatch, 784}}, {"step", Ints{1, 1}}}),
            "slice(f32[N,784]): the N axis can only be taken whole (begin 0, end N, step 1)");
  EXPECT_EQ(add_error(OpKind::broadcast, {y}, {{"shape", Ints{4, 3}}}), "broadcast(f32[2,3]): dimension 0 cannot broadcast to [4,3]");
  EXPECT_EQ(add_error(OpKind::pad, {y}, {{"low", Ints{0, -1}}, {"high", Ints{0, 0}}, {"value", 0.0}}),
            "pad(f32[2,3]): axis 1: padding must be in [0, 2^31], got low -1 high 0");
  EXPECT_EQ(add_error(OpKind::concat, {x, x}, {{"axis", int64_t{0}}}), "concat(f32[N,784], f32[N,784]): cannot concatenate along N");
  EXPECT_EQ(add_error(OpKind::concat, {x, y}, {{"axis", int64_t{1}}}), "concat(f32[N,784], f32[2,3]): operands differ on axis 0");
}

TEST_F(ShapeErrors, Contraction) {
  ValueId x = f32("x", {kBatch, 784}), w = f32("w", {128, 10});
  EXPECT_EQ(add_error(OpKind::matmul, {x, w}, {{"transpose_a", false}, {"transpose_b", false}}),
            "matmul(f32[N,784], f32[128,10]): inner dimensions differ (784 vs 128)");
  ValueId a3 = f32("a3", {4, 2, 3}), b3 = f32("b3", {5, 3, 2});
  EXPECT_EQ(add_error(OpKind::matmul, {a3, b3}, {{"transpose_a", false}, {"transpose_b", false}}),
            "matmul(f32[4,2,3], f32[5,3,2]): batch dimensions differ at axis 0 (4 vs 5)");

  ValueId img = f32("img", {kBatch, 3, 32, 32}), w4 = f32("w4", {16, 4, 3, 3}), w3 = f32("w3", {16, 3, 3, 3});
  EXPECT_EQ(add_error(OpKind::conv2d, {img, w4}, kConv),
            "conv2d(f32[N,3,32,32], f32[16,4,3,3]): weight expects 4 channels per group, input has 3/1=3");
  EXPECT_EQ(add_error(OpKind::conv2d, {img, w3}, with(kConv, "groups", int64_t{2})),
            "conv2d(f32[N,3,32,32], f32[16,3,3,3]): input channels 3 and output channels 16 must both divide by groups=2");
  EXPECT_EQ(add_error(OpKind::conv2d, {img, w3}, with(kConv, "stride", Ints{0, 1})),
            "conv2d(f32[N,3,32,32], f32[16,3,3,3]): stride values must be in [1, 2^31], got [0,1]");
  EXPECT_EQ(add_error(OpKind::conv2d, {x, w3}, kConv),
            "conv2d(f32[N,784], f32[16,3,3,3]): conv2d needs x[N,C,H,W] and w[O,C/g,KH,KW], got [N,784] and [16,3,3,3]");
}

TEST_F(ShapeErrors, Pooling) {
  ValueId small = f32("small", {kBatch, 3, 2, 2});
  EXPECT_EQ(add_error(OpKind::max_pool2d, {small}, kPool),
            "max_pool2d(f32[N,3,2,2]): window 3x3 (dilation 1x1, padding 0x0) does not fit the input 2x2");
  EXPECT_EQ(add_error(OpKind::max_pool2d, {small}, with(kPool, "padding", Ints{2, 0})),
            "max_pool2d(f32[N,3,2,2]): padding must be at most half the kernel");
}

TEST_F(ShapeErrors, LossesAndRandomness) {
  ValueId logits = f32("logits", {kBatch, 10}), float_labels = f32("float_labels", {kBatch});
  ValueId labels = in("labels", DType::i32, {5});
  EXPECT_EQ(add_error(OpKind::softmax_cross_entropy, {logits, float_labels}),
            "softmax_cross_entropy(f32[N,10], f32[N]): labels must be integers, got f32");
  EXPECT_EQ(add_error(OpKind::softmax_cross_entropy, {logits, labels}),
            "softmax_cross_entropy(f32[N,10], i32[5]): logits and labels disagree on the batch dimension");
  ValueId seed = g.add_input("seed", {DType::i64, {}}, InputRole::seed);
  EXPECT_EQ(add_error(OpKind::dropout_mask, {seed}, {{"p", 1.0}, {"stream", int64_t{0}}, {"shape", Ints{kBatch, 8}}}),
            "dropout_mask(i64[]): p must be in [0, 1), got 1");
  EXPECT_EQ(add_error(OpKind::dropout_mask, {seed}, {{"p", -0.5}, {"stream", int64_t{0}}, {"shape", Ints{kBatch, 8}}}),
            "dropout_mask(i64[]): p must be in [0, 1), got -0.5");
}

TEST_F(ShapeErrors, Signature) {
  ValueId x = f32("x", {kBatch, 4});
  EXPECT_EQ(add_error(OpKind::matmul, {x}, {{"transpose_a", false}, {"transpose_b", false}}), "matmul: takes 2 operands, got 1");
  EXPECT_EQ(add_error(OpKind::relu, {x, x}), "relu: takes 1 operand, got 2");
  EXPECT_EQ(add_error(OpKind::concat, {}, {{"axis", int64_t{0}}}), "concat: needs at least one operand");
  EXPECT_EQ(add_error(OpKind::argmax, {x}), "argmax: missing attribute 'axis'");
  EXPECT_EQ(add_error(OpKind::argmax, {x}, {{"axis", 1.0}}), "argmax: attribute 'axis' must be int");
  EXPECT_EQ(add_error(OpKind::relu, {x}, {{"alpha", 0.1}}), "relu: unknown attribute 'alpha'");
  EXPECT_EQ(add_error(OpKind::relu, {7}), "relu: operand %7 is not defined before this node");
}

// Attribute values far outside any real model must be rejected cleanly, never
// overflow on the way (UBSan runs these).
TEST_F(ShapeErrors, HostileAttributeValues) {
  const int64_t huge = int64_t{1} << 62;
  ValueId img = f32("img", {kBatch, 3, 32, 32}), w = f32("w", {16, 3, 3, 3});
  EXPECT_EQ(add_error(OpKind::conv2d, {img, w}, with(kConv, "stride", Ints{huge, 1})),
            "conv2d(f32[N,3,32,32], f32[16,3,3,3]): stride values must be in [1, 2^31], got [4611686018427387904,1]");
  EXPECT_EQ(add_error(OpKind::conv2d, {img, w}, with(kConv, "dilation", Ints{1, huge})),
            "conv2d(f32[N,3,32,32], f32[16,3,3,3]): dilation values must be in [1, 2^31], got [1,4611686018427387904]");
  EXPECT_EQ(add_error(OpKind::conv2d, {img, w}, with(kConv, "padding", Ints{int64_t{1} << 31, 0})),
            "conv2d(f32[N,3,32,32], f32[16,3,3,3]): result [N,16,4294967326,30]: dimension 4294967326 is larger than 2^31");
  EXPECT_EQ(add_error(OpKind::max_pool2d, {img}, with(kPool, "kernel", Ints{huge, huge})),
            "max_pool2d(f32[N,3,32,32]): kernel values must be in [1, 2^31], got [4611686018427387904,4611686018427387904]");
  EXPECT_EQ(add_error(OpKind::pad, {w}, {{"low", Ints{0, 0, 0, huge}}, {"high", Ints{0, 0, 0, huge}}, {"value", 0.0}}),
            "pad(f32[16,3,3,3]): axis 3: padding must be in [0, 2^31], got low 4611686018427387904 high 4611686018427387904");
  ValueId labels = in("labels", DType::i32, {kBatch});
  EXPECT_EQ(add_error(OpKind::one_hot, {labels}, {{"classes", int64_t{1} << 40}}),
            "one_hot(i32[N]): classes must be in [1, 2^31], got 1099511627776");
  ValueId wide = f32("wide", {1, int64_t{1} << 31});
  EXPECT_EQ(add_error(OpKind::concat, {wide, wide}, {{"axis", int64_t{1}}}),
            "concat(f32[1,2147483648], f32[1,2147483648]): axis 1 grows past 2^31");
  EXPECT_EQ(add_error(OpKind::reshape, {w}, {{"shape", Ints{huge, 2}}}),
            "reshape(f32[16,3,3,3]): shape=[4611686018427387904,2]: dimension 4611686018427387904 is larger than 2^31");
}

}  // namespace
}  // namespace graphc
