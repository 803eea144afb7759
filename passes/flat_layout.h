// Parameters and gradients live outside the arena, each kind in one flat
// contiguous buffer, so the optimizer updates every tensor in one pass and a
// checkpoint is one copy. Each tensor starts on an aligned boundary so
// kernels can use aligned vector loads on it.
//
// Layout: tensors in graph parameter order, offsets and sizes in elements of
// the buffer's dtype, each start a multiple of `alignment` bytes, the total
// rounded up to the alignment too. The gradient buffer holds one slot per
// gradient output (one per trainable parameter), in the same parameter
// order: with no frozen parameter the two layouts have the same offsets.
// Optimizer state (momentum, Adam moments) uses the gradient layout.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ir/graph.h"

namespace graphc::passes {

struct FlatEntry {
  std::string name;    // the parameter's name
  ValueId value = -1;  // the parameter node, or the value of its gradient output
  int64_t offset = 0;  // elements from the buffer's start
  int64_t size = 0;    // elements
};

struct FlatLayout {
  DType dtype = DType::f32;
  std::vector<FlatEntry> entries;  // graph parameter order
  int64_t total = 0;               // elements, with alignment padding
  int64_t bytes() const { return total * static_cast<int64_t>(dtype_size(dtype)); }
  const FlatEntry* find(std::string_view name) const;
};

// Every parameter, trainable or frozen. Throws graphc::Error when the
// parameters do not share one dtype, or the alignment is not a multiple of it.
FlatLayout flat_parameter_layout(const Graph& g, int64_t alignment);
// Every parameter that has a gradient output (named as the parameter). Throws
// graphc::Error for a gradient output that names no parameter or differs from
// its type.
FlatLayout flat_gradient_layout(const Graph& g, int64_t alignment);

}  // namespace graphc::passes
