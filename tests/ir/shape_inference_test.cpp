// Result types of well-formed ops, with the batch symbol N in the places real
// training graphs put it: broadcasting N against 1, contracting over N in
// weight gradients, window arithmetic with stride, padding, dilation, groups.
#include <gtest/gtest.h>

#include "ir/graph.h"
#include "ir/shape_inference.h"

namespace graphc {
namespace {

using Ints = std::vector<int64_t>;

class ShapeInference : public ::testing::Test {
 protected:
  ValueId in(DType dtype, Shape shape) {
    return g.add_input(cat("in", g.size()), {dtype, std::move(shape)}, InputRole::data);
  }
  ValueId f32(Shape shape) { return in(DType::f32, std::move(shape)); }
  std::string type_of(OpKind op, std::vector<ValueId> operands, AttrMap attrs = {}) {
    return g.type(g.add(op, std::move(operands), std::move(attrs))).str();
  }

  Graph g{"shapes"};
};

AttrMap conv(Ints stride, Ints padding, Ints dilation, int64_t groups) {
  return {{"stride", stride}, {"padding", padding}, {"dilation", dilation}, {"groups", groups}};
}

TEST(BroadcastShapes, BatchMatchesOnlyBatchOrOne) {
  auto b = [](Shape x, Shape y) {
    auto r = broadcast_shapes(x, y);
    return r ? r->str() : "none";
  };
  EXPECT_EQ(b({kBatch, 1}, {1, 5}), "[N,5]");
  EXPECT_EQ(b({1, 3}, {kBatch, 1}), "[N,3]");
  EXPECT_EQ(b({kBatch, 3}, {kBatch, 3}), "[N,3]");
  EXPECT_EQ(b({kBatch, 3}, {3}), "[N,3]");
  EXPECT_EQ(b({}, {kBatch, 2}), "[N,2]");
  EXPECT_EQ(b({kBatch, 3}, {4, 3}), "none");
  EXPECT_EQ(b({kBatch, 1}, {1, kBatch}), "none");  // would put N twice in the result
  EXPECT_EQ(b({2, 3}, {3, 2}), "none");
}

TEST_F(ShapeInference, Elementwise) {
  ValueId col = f32({kBatch, 1}), row = f32({1, 5}), i = in(DType::i32, {kBatch, 1});
  EXPECT_EQ(type_of(OpKind::add, {col, row}), "f32[N,5]");
  EXPECT_EQ(type_of(OpKind::relu, {col}), "f32[N,1]");
  EXPECT_EQ(type_of(OpKind::lt, {col, row}), "bool[N,5]");
  EXPECT_EQ(type_of(OpKind::cast, {i}, {{"dtype", DType::f32}}), "f32[N,1]");
  ValueId cond = in(DType::boolean, {kBatch, 5});
  EXPECT_EQ(type_of(OpKind::select, {cond, col, row}), "f32[N,5]");
  EXPECT_EQ(type_of(OpKind::neg, {i}), "i32[N,1]");
}

TEST_F(ShapeInference, Reductions) {
  ValueId x = f32({kBatch, 3, 4});
  EXPECT_EQ(type_of(OpKind::reduce_sum, {x}, {{"axes", Ints{1, 2}}, {"keepdims", false}}), "f32[N]");
  EXPECT_EQ(type_of(OpKind::reduce_sum, {x}, {{"axes", Ints{0}}, {"keepdims", false}}), "f32[3,4]");
  EXPECT_EQ(type_of(OpKind::reduce_max, {x}, {{"axes", Ints{2}}, {"keepdims", true}}), "f32[N,3,1]");
  EXPECT_EQ(type_of(OpKind::reduce_sum, {x}, {{"axes", Ints{}}, {"keepdims", false}}), "f32[N,3,4]");
  EXPECT_EQ(type_of(OpKind::argmax, {x}, {{"axis", int64_t{2}}}), "i32[N,3]");
}

TEST_F(ShapeInference, Movement) {
  ValueId x = f32({kBatch, 1, 28, 28}), y = f32({kBatch, 10});
  EXPECT_EQ(type_of(OpKind::reshape, {x}, {{"shape", Ints{kBatch, 784}}}), "f32[N,784]");
  EXPECT_EQ(type_of(OpKind::transpose, {y}, {{"perm", Ints{1, 0}}}), "f32[10,N]");
  EXPECT_EQ(type_of(OpKind::broadcast, {f32({1, 10})}, {{"shape", Ints{kBatch, 10}}}), "f32[N,10]");
  // Indices 1, 4, 7 of axis 1.
  EXPECT_EQ(type_of(OpKind::slice, {y}, {{"begin", Ints{0, 1}}, {"end", Ints{kBatch, 10}}, {"step", Ints{1, 3}}}), "f32[N,3]");
  // A step beyond the range takes one element; the arithmetic must not overflow.
  EXPECT_EQ(type_of(OpKind::slice, {y}, {{"begin", Ints{0, 2}}, {"end", Ints{kBatch, 10}}, {"step", Ints{1, INT64_MAX}}}),
            "f32[N,1]");
  EXPECT_EQ(type_of(OpKind::pad, {x}, {{"low", Ints{0, 0, 2, 1}}, {"high", Ints{0, 0, 2, 3}}, {"value", 0.0}}), "f32[N,1,32,32]");
  EXPECT_EQ(type_of(OpKind::concat, {y, f32({kBatch, 3}), y}, {{"axis", int64_t{1}}}), "f32[N,23]");
}

TEST_F(ShapeInference, Matmul) {
  auto mm = [](bool ta, bool tb) -> AttrMap { return {{"transpose_a", ta}, {"transpose_b", tb}}; };
  ValueId x = f32({kBatch, 784}), w = f32({128, 784}), dy = f32({kBatch, 128});
  EXPECT_EQ(type_of(OpKind::matmul, {x, w}, mm(false, true)), "f32[N,128]");
  // The weight gradient x^T @ dy contracts over N.
  EXPECT_EQ(type_of(OpKind::matmul, {x, dy}, mm(true, false)), "f32[784,128]");
  EXPECT_EQ(type_of(OpKind::matmul, {dy, x}, mm(true, false)), "f32[128,784]");
  // Batched: rank-3 against rank 2 and against rank 3.
  ValueId a = f32({kBatch, 4, 5});
  EXPECT_EQ(type_of(OpKind::matmul, {a, f32({5, 6})}, mm(false, false)), "f32[N,4,6]");
  EXPECT_EQ(type_of(OpKind::matmul, {a, f32({kBatch, 6, 5})}, mm(false, true)), "f32[N,4,6]");
}

TEST_F(ShapeInference, Convolution) {
  ValueId x = f32({kBatch, 3, 32, 32}), w = f32({16, 3, 3, 3});
  EXPECT_EQ(type_of(OpKind::conv2d, {x, w}, conv({1, 1}, {1, 1}, {1, 1}, 1)), "f32[N,16,32,32]");
  EXPECT_EQ(type_of(OpKind::conv2d, {x, w}, conv({2, 2}, {1, 1}, {1, 1}, 1)), "f32[N,16,16,16]");
  EXPECT_EQ(type_of(OpKind::conv2d, {x, w}, conv({1, 1}, {0, 0}, {1, 1}, 1)), "f32[N,16,30,30]");
  EXPECT_EQ(type_of(OpKind::conv2d, {x, w}, conv({1, 1}, {2, 2}, {2, 2}, 1)), "f32[N,16,32,32]");
  EXPECT_EQ(type_of(OpKind::conv2d, {x, w}, conv({3, 1}, {0, 1}, {1, 4}, 1)), "f32[N,16,10,26]");
  // Depthwise and grouped.
  ValueId x8 = f32({kBatch, 8, 10, 10});
  EXPECT_EQ(type_of(OpKind::conv2d, {x8, f32({8, 1, 3, 3})}, conv({1, 1}, {0, 0}, {1, 1}, 8)), "f32[N,8,8,8]");
  EXPECT_EQ(type_of(OpKind::conv2d, {x8, f32({6, 4, 1, 1})}, conv({1, 1}, {0, 0}, {1, 1}, 2)), "f32[N,6,10,10]");
  // The backward ops give back the forward shapes.
  ValueId dy = f32({kBatch, 16, 16, 16});
  AttrMap s2 = conv({2, 2}, {1, 1}, {1, 1}, 1);
  AttrMap gi = s2, gw = s2;
  gi["input_shape"] = Ints{kBatch, 3, 32, 32};
  gw["weight_shape"] = Ints{16, 3, 3, 3};
  EXPECT_EQ(type_of(OpKind::conv2d_grad_input, {dy, w}, gi), "f32[N,3,32,32]");
  EXPECT_EQ(type_of(OpKind::conv2d_grad_weight, {x, dy}, gw), "f32[16,3,3,3]");
}

TEST_F(ShapeInference, Pooling) {
  ValueId x = f32({kBatch, 6, 28, 28});
  AttrMap max2{{"kernel", Ints{2, 2}}, {"stride", Ints{2, 2}}, {"padding", Ints{0, 0}}, {"dilation", Ints{1, 1}}};
  EXPECT_EQ(type_of(OpKind::max_pool2d, {x}, max2), "f32[N,6,14,14]");
  AttrMap max_dilated{{"kernel", Ints{3, 3}}, {"stride", Ints{1, 2}}, {"padding", Ints{1, 1}}, {"dilation", Ints{2, 1}}};
  EXPECT_EQ(type_of(OpKind::max_pool2d, {x}, max_dilated), "f32[N,6,26,14]");
  AttrMap avg3{{"kernel", Ints{3, 3}}, {"stride", Ints{2, 2}}, {"padding", Ints{1, 1}}, {"count_include_pad", true}};
  EXPECT_EQ(type_of(OpKind::avg_pool2d, {x}, avg3), "f32[N,6,14,14]");
  ValueId dy = f32({kBatch, 6, 14, 14});
  EXPECT_EQ(type_of(OpKind::max_pool2d_grad, {dy, x}, max2), "f32[N,6,28,28]");
  avg3["input_shape"] = Ints{kBatch, 6, 28, 28};
  EXPECT_EQ(type_of(OpKind::avg_pool2d_grad, {dy}, avg3), "f32[N,6,28,28]");
}

TEST_F(ShapeInference, LossesAndRandomness) {
  ValueId logits = f32({kBatch, 10}), labels = in(DType::i32, {kBatch});
  EXPECT_EQ(type_of(OpKind::log_softmax, {logits}, {{"axis", int64_t{1}}}), "f32[N,10]");
  EXPECT_EQ(type_of(OpKind::softmax_cross_entropy, {logits, labels}), "f32[N]");
  EXPECT_EQ(type_of(OpKind::one_hot, {labels}, {{"classes", int64_t{10}}}), "f32[N,10]");
  ValueId seed = g.add_input("seed", {DType::i64, {}}, InputRole::seed);
  EXPECT_EQ(type_of(OpKind::dropout_mask, {seed}, {{"p", 0.5}, {"stream", int64_t{1}}, {"shape", Ints{kBatch, 128}}}),
            "f32[N,128]");
  EXPECT_EQ(type_of(OpKind::batch_size, {}), "f32[]");
}

TEST(WindowOut, ExtentsAndExtremes) {
  EXPECT_EQ(window_out(32, 3, 1, 1, 1), 32);
  EXPECT_EQ(window_out(32, 3, 2, 1, 1), 16);
  EXPECT_EQ(window_out(28, 5, 1, 0, 1), 24);
  EXPECT_EQ(window_out(10, 3, 1, 0, 4), 2);  // the window spans 9
  EXPECT_EQ(window_out(2, 3, 1, 0, 1), 0);
  // Values no layer has, which must neither overflow nor fit by accident.
  const int64_t big = INT64_MAX;
  EXPECT_EQ(window_out(32, big, 1, 0, big), 0);
  EXPECT_EQ(window_out(32, 3, big, 0, 1), 1);
  EXPECT_EQ(window_out(32, 1, 1, big, 1), INT64_MAX);
  EXPECT_EQ(window_out(32, INT64_MIN, 1, 0, 1), 0);
}

}  // namespace
}  // namespace graphc
