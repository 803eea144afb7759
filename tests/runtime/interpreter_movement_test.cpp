// Movement ops on hand-worked values: where every element goes.
#include "interpreter_test_util.h"

namespace graphc::runtime::interpreter_testing {
namespace {

std::vector<double> iota(int n) {
  std::vector<double> v(n);
  for (int i = 0; i < n; ++i) v[i] = i;
  return v;
}

INTERPRETER_OP_TEST(reshape, KeepsRowMajorOrder) {
  OpRunner r;
  expect_tensor(r.run(reshape(r.input("x", f32({2, 3}, iota(6))), {3, 2})), DType::f32, {3, 2}, iota(6));
}

INTERPRETER_OP_TEST(reshape, WithN) {
  OpRunner r;
  Tensor x = r.input("x", f32({2, 2, 2}, iota(8)), {kBatch, 2, 2});
  expect_tensor(r.run(flatten(x)), DType::f32, {2, 4}, iota(8));
}

INTERPRETER_OP_TEST(transpose, Matrix) {
  OpRunner r;
  Tensor x = r.input("x", f32({2, 3}, iota(6)));
  expect_tensor(r.run(transpose(x, {1, 0})), DType::f32, {3, 2}, {0, 3, 1, 4, 2, 5});
}

INTERPRETER_OP_TEST(transpose, ThreeDimensional) {
  // x[2,3,4] = 0..23, x[j,k,i] = 12j + 4k + i. perm [2,0,1] gives out[4,2,3]
  // with out[i,j,k] = x[j,k,i].
  OpRunner r;
  expect_tensor(r.run(transpose(r.input("x", f32({2, 3, 4}, iota(24))), {2, 0, 1})), DType::f32, {4, 2, 3},
                {0, 4, 8, 12, 16, 20, 1, 5, 9, 13, 17, 21, 2, 6, 10, 14, 18, 22, 3, 7, 11, 15, 19, 23});
}

INTERPRETER_OP_TEST(broadcast, RowAndColumn) {
  OpRunner r;
  Tensor row = r.input("row", f32({3}, {1, 2, 3}));
  Tensor column = r.input("column", f32({2, 1}, {10, 20}));
  r.b.output("row", broadcast_to(row, {2, 3}), OutputRole::value);
  HostTensor col = r.run(broadcast_to(column, {2, 3}));
  expect_tensor(interpret(r.g, r.feeds).at("row"), DType::f32, {2, 3}, {1, 2, 3, 1, 2, 3});
  expect_tensor(col, DType::f32, {2, 3}, {10, 10, 10, 20, 20, 20});
}

INTERPRETER_OP_TEST(broadcast, ToN) {
  OpRunner r;
  Tensor x = r.input("x", f32({2, 1}, {0, 0}), {kBatch, 1});
  Tensor v = r.input("v", f32({2}, {7, 8}));
  expect_tensor(r.run(broadcast_to(v, {kBatch, 2}) + x), DType::f32, {2, 2}, {7, 8, 7, 8});
}

INTERPRETER_OP_TEST(slice, WithStep) {
  // x[2,5] = 0..9; columns 1 and 3 of both rows, then every other column.
  OpRunner r;
  Tensor x = r.input("x", f32({2, 5}, iota(10)));
  r.b.output("even", slice(x, {1, 0}, {2, 5}, {1, 2}), OutputRole::value);
  expect_tensor(r.run(slice(x, {0, 1}, {2, 5}, {1, 2})), DType::f32, {2, 2}, {1, 3, 6, 8});
  expect_tensor(interpret(r.g, r.feeds).at("even"), DType::f32, {1, 3}, {5, 7, 9});
}

INTERPRETER_OP_TEST(slice, WholeNAxis) {
  OpRunner r;
  Tensor x = r.input("x", f32({3, 3}, iota(9)), {kBatch, 3});
  expect_tensor(r.run(slice(x, {0, 2}, {kBatch, 3})), DType::f32, {3, 1}, {2, 5, 8});
}

INTERPRETER_OP_TEST(pad, LowAndHighWithValue) {
  // [[1,2],[3,4]] with one row above and two columns right, filled with 9.
  OpRunner r;
  Tensor x = r.input("x", f32({2, 2}, {1, 2, 3, 4}));
  expect_tensor(r.run(pad(x, {1, 0}, {0, 2}, 9)), DType::f32, {3, 4}, {9, 9, 9, 9, 1, 2, 9, 9, 3, 4, 9, 9});
}

INTERPRETER_OP_TEST(pad, ImageBorder) {
  OpRunner r;
  Tensor x = r.input("x", f32({1, 1, 1, 2}, {5, 6}), {kBatch, 1, 1, 2});
  expect_tensor(r.run(pad(x, {0, 0, 1, 1}, {0, 0, 1, 0})), DType::f32, {1, 1, 3, 3}, {0, 0, 0, 0, 5, 6, 0, 0, 0});
}

INTERPRETER_OP_TEST(concat, AlongColumns) {
  OpRunner r;
  Tensor a = r.input("a", f32({2, 1}, {1, 2}));
  Tensor b = r.input("b", f32({2, 2}, {3, 4, 5, 6}));
  expect_tensor(r.run(concat({a, b}, 1)), DType::f32, {2, 3}, {1, 3, 4, 2, 5, 6});
}

INTERPRETER_OP_TEST(concat, AlongRowsOfThree) {
  OpRunner r;
  Tensor a = r.input("a", f32({1, 2}, {1, 2}));
  Tensor b = r.input("b", f32({2, 2}, {3, 4, 5, 6}));
  expect_tensor(r.run(concat({a, b, a}, 0)), DType::f32, {4, 2}, {1, 2, 3, 4, 5, 6, 1, 2});
}

}  // namespace
}  // namespace graphc::runtime::interpreter_testing
