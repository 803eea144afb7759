// Reductions on hand-worked values: axes with and without keepdims, NaN in
// maxima, argmax taking the first maximum, and mean over N (batch_size).
#include <limits>

#include "interpreter_test_util.h"

namespace graphc::runtime::interpreter_testing {
namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const HostTensor k2x3 = f32({2, 3}, {1, 2, 3, 4, 5, 6});

INTERPRETER_OP_TEST(reduce_sum, OneAxis) {
  OpRunner r;
  expect_tensor(r.run(sum(r.input("x", k2x3), {0})), DType::f32, {3}, {5, 7, 9});
}

INTERPRETER_OP_TEST(reduce_sum, KeepDims) {
  OpRunner r;
  expect_tensor(r.run(sum(r.input("x", k2x3), {1}, true)), DType::f32, {2, 1}, {6, 15});
}

INTERPRETER_OP_TEST(reduce_sum, AllAxesToScalar) {
  OpRunner r;
  expect_tensor(r.run(sum(r.input("x", k2x3))), DType::f32, {}, {21});
}

INTERPRETER_OP_TEST(reduce_sum, OuterAndInnerAxesOf3D) {
  // x[2,2,2] = 0..7; summing axes 0 and 2 leaves axis 1:
  // j=0: 0+1+4+5 = 10, j=1: 2+3+6+7 = 18.
  OpRunner r;
  Tensor x = r.input("x", f32({2, 2, 2}, {0, 1, 2, 3, 4, 5, 6, 7}));
  expect_tensor(r.run(sum(x, {0, 2}, true)), DType::f32, {1, 2, 1}, {10, 18});
}

INTERPRETER_OP_TEST(reduce_sum, IntegerSum) {
  OpRunner r;
  expect_tensor(r.run(sum(r.input("x", i32({3}, {4, -1, 9})))), DType::i32, {}, {12});
}

INTERPRETER_OP_TEST(reduce_max, AlongRows) {
  OpRunner r;
  Tensor x = r.input("x", f32({2, 3}, {1, 5, 3, 4, 2, 6}));
  expect_tensor(r.run(max(x, {1})), DType::f32, {2}, {5, 6});
}

INTERPRETER_OP_TEST(reduce_max, NegativeValuesAndNaN) {
  OpRunner r;
  Tensor x = r.input("x", f32({2, 3}, {-7, -3, -5, 1, kNaN, 2}));
  expect_tensor(r.run(max(x, {1}, true)), DType::f32, {2, 1}, {-3, kNaN});
}

INTERPRETER_OP_TEST(argmax, TiesGoToTheFirst) {
  OpRunner r;
  Tensor x = r.input("x", f32({2, 3}, {3, 1, 3, 0, 2, 2}));
  expect_tensor(r.run(argmax(x, 1)), DType::i32, {2}, {0, 1});
}

INTERPRETER_OP_TEST(argmax, AlongTheFirstAxis) {
  // Columns: (1,1) tie -> 0, (5,7) -> 1, (9,-9) -> 0.
  OpRunner r;
  Tensor x = r.input("x", f32({2, 3}, {1, 5, 9, 1, 7, -9}));
  expect_tensor(r.run(argmax(x, 0)), DType::i32, {3}, {0, 1, 0});
}

INTERPRETER_OP_TEST(argmax, NaNCountsAsTheMaximum) {
  OpRunner r;
  expect_tensor(r.run(argmax(r.input("x", f32({4}, {1, kNaN, 5, kNaN})), 0)), DType::i32, {}, {1});
}

TEST(Interp_batch_size, MeanOverNDividesByTheFedBatch) {
  // mean over axis 0 of x[N,2] needs N at run time: fed N = 3.
  OpRunner r;
  Tensor x = r.input("x", f32({3, 2}, {1, 2, 3, 4, 5, 9}), {kBatch, 2});
  expect_tensor(r.run(mean(x, {0})), DType::f32, {2}, {3, 5});
}

TEST(Interp_batch_size, IsTheFedBatchAsF32) {
  OpRunner r;
  Tensor x = r.input("x", f32({5, 1}, {0, 0, 0, 0, 0}), {kBatch, 1});
  expect_tensor(r.run(sum(x) + r.b.batch_size()), DType::f32, {}, {5});
}

}  // namespace
}  // namespace graphc::runtime::interpreter_testing
