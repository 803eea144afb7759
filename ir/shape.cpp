#include "ir/shape.h"

namespace graphc {

bool Shape::has_batch() const {
  for (int64_t d : dims_)
    if (d == kBatch) return true;
  return false;
}

int64_t Shape::numel(int64_t batch) const {
  int64_t n = 1;
  for (int64_t d : dims_) n *= d == kBatch ? batch : d;
  return n;
}

int64_t Shape::static_numel() const {
  int64_t n = 1;
  for (int64_t d : dims_) n *= d == kBatch ? 1 : d;
  return n;
}

Shape Shape::with_batch(int64_t batch) const {
  Shape s = *this;
  for (auto& d : s.dims_)
    if (d == kBatch) d = batch;
  return s;
}

std::string Shape::problem() const {
  if (dims_.size() > kMaxRank) return "rank " + std::to_string(dims_.size()) + " exceeds " + std::to_string(kMaxRank);
  int batches = 0;
  __int128 n = 1;
  for (int64_t d : dims_) {
    if (d == kBatch) {
      ++batches;
      continue;
    }
    if (d <= 0) return "dimension " + std::to_string(d) + " is not positive";
    if (d > kMaxDim) return "dimension " + std::to_string(d) + " is larger than 2^31";
    n *= d;
    if (n > kMaxElements) return "more than 2^40 elements";
  }
  if (batches > 1) return "the batch symbol N appears more than once";
  return "";
}

std::string Shape::str() const { return dims_str(dims_); }

std::string TensorType::str() const { return std::string(dtype_name(dtype)) + shape.str(); }

std::string dims_str(const std::vector<int64_t>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i) s += ",";
    s += dims[i] == kBatch ? "N" : std::to_string(dims[i]);
  }
  return s + "]";
}

}  // namespace graphc
