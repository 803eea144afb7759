// Shape inference: the result type of every computing op from its operand
// types and attributes. A bad program is rejected with a graphc::Error whose
// message names the op, its operand types and what was expected, e.g.
//   matmul(f32[N,784], f32[128,10]): inner dimensions differ (784 vs 128)
#pragma once

#include <span>

#include "ir/graph.h"

namespace graphc {

// Checks the operand count and that every attribute the op table lists is
// present with its type and no other is. Throws graphc::Error.
void check_signature(const Node& n);

// The type node `n` (op and attributes; n.type is ignored) produces from
// operands of the given types. Source nodes return n.type after checking it.
TensorType infer_type(const Node& n, std::span<const TensorType> operands);

// Numpy broadcast of two shapes; N broadcasts against N or 1 only. Returns
// nullopt when they do not broadcast.
std::optional<Shape> broadcast_shapes(const Shape& a, const Shape& b);

// Output extent of a conv/pool window along one axis, or 0 if none fits or an
// argument is out of its domain. Never overflows: saturates at INT64_MAX.
int64_t window_out(int64_t in, int64_t kernel, int64_t stride, int64_t pad, int64_t dilation);

}  // namespace graphc
