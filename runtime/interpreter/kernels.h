// The interpreter's kernels, one family per file. Every kernel receives the
// node with N already bound (so node.type is the exact output type and every
// shape attribute is static) and its operand values, and returns the result.
// Kernels compute in double and never round to the output dtype: the run loop
// (interpreter.cpp) makes integer and bool results integral in one place.
//
// Legend for the index comments: N batch, C channels, H/W height/width,
// O output channels, K kernel, M/K/P matmul rows/inner/columns.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "ir/graph.h"
#include "runtime/interpreter.h"

namespace graphc::runtime::interp {


// gemm.cpp: C[M,P] += A[M,K] @ B[K,P], all row-major and contiguous. Every
// C element adds its products in increasing k, as the plain triple loop does.
void gemm(const double* A, const double* B, double* C, int64_t M, int64_t K, int64_t P);
// src[rows, cols] -> dst[cols, rows].
void transpose_into(const double* src, int64_t rows, int64_t cols, double* dst);
// Per-thread buffers reused from call to call, one per slot, holding at least
// `count` doubles of unspecified content (valid until the slot's next use).
enum class Scratch { lhs, rhs, columns };
inline constexpr int kScratchSlots = 3;
double* scratch(Scratch slot, int64_t count);

// elementwise.cpp: row-major strides of a static shape.
std::vector<int64_t> row_major_strides(const Shape& s);

// The stride of a tensor of shape `in` along each axis of `out` under numpy
// broadcasting: 0 where `in` lacks the axis or has extent 1 (repeated).
std::vector<int64_t> broadcast_strides(const Shape& in, const Shape& out);

// Walks `out` row by row (a row is its last axis) and calls
// row(first_element, offsets) with each of K operands' offset at the row's
// start, given the operands' strides along the axes of `out`. Broadcasting
// kernels loop over the row themselves, so the inner loop is plain.
template <size_t K, typename Row>
void for_each_row(const Shape& out, const std::array<std::vector<int64_t>, K>& strides, Row row) {
  std::array<int64_t, K> offset{};
  if (out.rank() == 0) return row(int64_t{0}, offset);
  const size_t outer_rank = out.rank() - 1;
  const int64_t row_length = out[outer_rank], rows = out.numel(1) / row_length;
  std::vector<int64_t> index(outer_rank, 0);
  for (int64_t r = 0; r < rows; ++r) {
    row(r * row_length, offset);
    // Odometer step over the outer axes, keeping every offset in step.
    for (size_t axis = outer_rank; axis-- > 0;) {
      for (size_t k = 0; k < K; ++k) offset[k] += strides[k][axis];
      if (++index[axis] < out[axis]) break;
      for (size_t k = 0; k < K; ++k) offset[k] -= strides[k][axis] * out[axis];
      index[axis] = 0;
    }
  }
}

// elementwise.cpp
// n.op applied to every element, with the formulas of ir/elementwise_math.h.
HostTensor map_unary(const Node& n, const HostTensor& x);
HostTensor map_binary(const Node& n, const HostTensor& a, const HostTensor& b);
HostTensor select(const Node& n, const HostTensor& cond, const HostTensor& a, const HostTensor& b);
HostTensor cast(const Node& n, const HostTensor& x);

// reduction.cpp
HostTensor reduce_sum(const Node& n, const HostTensor& x);
HostTensor reduce_max(const Node& n, const HostTensor& x);
HostTensor argmax(const Node& n, const HostTensor& x);

// movement.cpp
HostTensor reshape(const Node& n, const HostTensor& x);
HostTensor transpose(const Node& n, const HostTensor& x);
HostTensor broadcast(const Node& n, const HostTensor& x);
HostTensor slice(const Node& n, const HostTensor& x);
HostTensor pad(const Node& n, const HostTensor& x);
HostTensor concat(const Node& n, const std::vector<const HostTensor*>& xs);

// contraction.cpp
HostTensor matmul(const Node& n, const HostTensor& a, const HostTensor& b);

// conv.cpp
HostTensor conv2d(const Node& n, const HostTensor& x, const HostTensor& w);
HostTensor conv2d_grad_input(const Node& n, const HostTensor& dy, const HostTensor& w);
HostTensor conv2d_grad_weight(const Node& n, const HostTensor& x, const HostTensor& dy);

// window.cpp
HostTensor max_pool2d(const Node& n, const HostTensor& x);
HostTensor max_pool2d_grad(const Node& n, const HostTensor& dy, const HostTensor& x);
HostTensor avg_pool2d(const Node& n, const HostTensor& x);
HostTensor avg_pool2d_grad(const Node& n, const HostTensor& dy);

// nn_ops.cpp
HostTensor softmax(const Node& n, const HostTensor& x);
HostTensor log_softmax(const Node& n, const HostTensor& x);
HostTensor softmax_cross_entropy(const Node& n, const HostTensor& logits, const HostTensor& labels);
HostTensor one_hot(const Node& n, const HostTensor& labels);
HostTensor dropout_mask(const Node& n, const HostTensor& seed);

// feeds.cpp: checks every feed against g (names, dtypes, shapes, one
// consistent N) and returns g with N bound to the fed batch size.
struct BoundGraph {
  Graph graph;                   // every N replaced by `batch`
  std::optional<int64_t> batch;  // nullopt: no input has N, and neither does the graph
};
BoundGraph bind_feeds(const Graph& g, const TensorMap& feeds);

}  // namespace graphc::runtime::interp
