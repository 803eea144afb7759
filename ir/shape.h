// Shapes are static except for the batch symbol N (kBatch), which stands for
// the run-time batch size. Compiled code takes N at run time, up to a maximum
// fixed when the trainer is built, so the last partial batch runs as it is and
// any --batch-size up to the maximum works without recompiling. N appears at
// most once in a shape; every other dimension is a positive constant.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "ir/dtype.h"

namespace graphc {

inline constexpr int64_t kBatch = -1;  // the symbol N
// Bounds that keep hostile input (huge shapes) from reaching an allocator.
inline constexpr size_t kMaxRank = 8;
inline constexpr int64_t kMaxDim = int64_t{1} << 31;
inline constexpr int64_t kMaxElements = int64_t{1} << 40;

class Shape {
 public:
  Shape() = default;
  Shape(std::initializer_list<int64_t> dims) : dims_(dims) {}
  explicit Shape(std::vector<int64_t> dims) : dims_(std::move(dims)) {}

  size_t rank() const { return dims_.size(); }
  int64_t operator[](size_t i) const { return dims_[i]; }
  int64_t& operator[](size_t i) { return dims_[i]; }
  const std::vector<int64_t>& dims() const { return dims_; }
  bool operator==(const Shape&) const = default;

  bool has_batch() const;
  // Elements with N bound to `batch`.
  int64_t numel(int64_t batch) const;
  // Product of the static dimensions (N counts as 1).
  int64_t static_numel() const;
  Shape with_batch(int64_t batch) const;
  // Problems with the dims themselves (N twice, zero/negative/huge dims), or "".
  std::string problem() const;
  std::string str() const;  // "[N,784]"

 private:
  std::vector<int64_t> dims_;
};

struct TensorType {
  DType dtype = DType::f32;
  Shape shape;
  bool operator==(const TensorType&) const = default;
  std::string str() const;  // "f32[N,784]"
};

std::string dims_str(const std::vector<int64_t>& dims);  // "[N,3]" with N for kBatch

}  // namespace graphc
