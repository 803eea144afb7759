// Pooling and its gradients on hand-worked values: overlapping max windows
// (gradients accumulate on a shared maximum), ties, -inf padding, and average
// pooling with and without padding in the divisor.
#include "interpreter_test_util.h"

namespace graphc::runtime::interpreter_testing {
namespace {

Pool2dOptions pool(int64_t kernel, int64_t stride, int64_t padding, bool count_include_pad = true) {
  Pool2dOptions o;
  o.kernel = {kernel, kernel};
  o.stride = {stride, stride};
  o.padding = {padding, padding};
  o.count_include_pad = count_include_pad;
  return o;
}

// x = [[1,5,2],[3,4,9],[0,8,7]], 2x2 windows with stride 1 (they overlap):
// maxima 5 at (0,1), 9 at (1,2), 8 at (2,1), 9 at (1,2) again.
const HostTensor kOverlapX = f32({1, 1, 3, 3}, {1, 5, 2, 3, 4, 9, 0, 8, 7});

INTERPRETER_OP_TEST(max_pool2d, OverlappingWindows) {
  OpRunner r;
  expect_tensor(r.run(max_pool2d(r.input("x", kOverlapX), pool(2, 1, 0))), DType::f32, {1, 1, 2, 2}, {5, 9, 8, 9});
}

INTERPRETER_OP_TEST(max_pool2d, PaddingIsMinusInfinity) {
  // Every padded window holds one real, negative element: it is the maximum.
  OpRunner r;
  Tensor x = r.input("x", f32({1, 1, 2, 2}, {-1, -2, -3, -4}));
  expect_tensor(r.run(max_pool2d(x, pool(2, 2, 1))), DType::f32, {1, 1, 2, 2}, {-1, -2, -3, -4});
}

INTERPRETER_OP_TEST(max_pool2d, ChannelsAndBatchArePooledSeparately) {
  OpRunner r;
  Tensor x = r.input("x", f32({2, 2, 2, 2}, {1, 2, 3, 4, 8, 7, 6, 5, -1, -2, -3, -4, 0, 0, 0, 9}), {kBatch, 2, 2, 2});
  expect_tensor(r.run(max_pool2d(x, pool(2, 2, 0))), DType::f32, {2, 2, 1, 1}, {4, 8, -1, 9});
}

INTERPRETER_OP_TEST(max_pool2d_grad, OverlappingWindowsAccumulate) {
  // dy = [1,2,3,4]: (0,1) gets 1, (1,2) gets 2 + 4, (2,1) gets 3.
  OpRunner r;
  Tensor x = r.input("x", kOverlapX);
  Tensor dy = r.input("dy", f32({1, 1, 2, 2}, {1, 2, 3, 4}));
  expect_tensor(r.run(max_pool2d_grad(dy, x, pool(2, 1, 0))), DType::f32, {1, 1, 3, 3}, {0, 1, 0, 0, 0, 6, 0, 3, 0});
}

INTERPRETER_OP_TEST(max_pool2d_grad, TiesGoToTheFirstMaximum) {
  OpRunner r;
  Tensor x = r.input("x", f32({1, 1, 2, 2}, {2, 2, 2, 2}));
  Tensor dy = r.input("dy", f32({1, 1, 1, 1}, {5}));
  expect_tensor(r.run(max_pool2d_grad(dy, x, pool(2, 2, 0))), DType::f32, {1, 1, 2, 2}, {5, 0, 0, 0});
}

// x = [[1,2],[3,4]], 2x2 windows, stride 1, padding 1 -> 3x3 windows holding
// {1} {1,2} {2} / {1,3} {1,2,3,4} {2,4} / {3} {3,4} {4}.
const HostTensor kAvgX = f32({1, 1, 2, 2}, {1, 2, 3, 4});

INTERPRETER_OP_TEST(avg_pool2d, CountIncludePadDividesByKernelArea) {
  OpRunner r;
  expect_tensor(r.run(avg_pool2d(r.input("x", kAvgX), pool(2, 1, 1, true))), DType::f32, {1, 1, 3, 3},
                {0.25, 0.75, 0.5, 1, 2.5, 1.5, 0.75, 1.75, 1});
}

INTERPRETER_OP_TEST(avg_pool2d, ExcludingPadDividesByRealElements) {
  OpRunner r;
  expect_tensor(r.run(avg_pool2d(r.input("x", kAvgX), pool(2, 1, 1, false))), DType::f32, {1, 1, 3, 3},
                {1, 1.5, 2, 2, 2.5, 3, 3, 3.5, 4});
}

INTERPRETER_OP_TEST(avg_pool2d, PlainTwoByTwo) {
  OpRunner r;
  Tensor x = r.input("x", f32({1, 1, 2, 4}, {1, 2, 3, 4, 5, 6, 7, 8}));
  expect_tensor(r.run(avg_pool2d(x, pool(2, 2, 0))), DType::f32, {1, 1, 1, 2}, {3.5, 5.5});
}

// dy = 1..9 over the windows above. With the kernel area as divisor,
// x(0,0) collects windows (0,0),(0,1),(1,0),(1,1): (1+2+4+5)/4 = 3.
INTERPRETER_OP_TEST(avg_pool2d_grad, CountIncludePad) {
  OpRunner r;
  Tensor dy = r.input("dy", f32({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9}));
  expect_tensor(r.run(avg_pool2d_grad(dy, {1, 1, 2, 2}, pool(2, 1, 1, true))), DType::f32, {1, 1, 2, 2}, {3, 4, 6, 7});
}

// Dividing by real elements: x(0,0) = 1/1 + 2/2 + 4/2 + 5/4 = 5.25;
// x(0,1) = 2/2 + 3/1 + 5/4 + 6/2 = 8.25; x(1,0) = 4/2 + 5/4 + 7/1 + 8/2 = 14.25;
// x(1,1) = 5/4 + 6/2 + 8/2 + 9/1 = 17.25.
INTERPRETER_OP_TEST(avg_pool2d_grad, ExcludingPad) {
  OpRunner r;
  Tensor dy = r.input("dy", f32({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9}));
  expect_tensor(r.run(avg_pool2d_grad(dy, {1, 1, 2, 2}, pool(2, 1, 1, false))), DType::f32, {1, 1, 2, 2},
                {5.25, 8.25, 14.25, 17.25});
}

}  // namespace
}  // namespace graphc::runtime::interpreter_testing
