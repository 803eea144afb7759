// HostTensor construction: the one place that checks a host value's shape is
// static and that its element count matches, so kernels can trust both.
#include "runtime/interpreter.h"

namespace graphc::runtime {

namespace {
int64_t checked_numel(const Shape& shape) {
  if (shape.has_batch()) throw Error(cat("a host tensor needs a static shape, got ", shape.str()));
  std::string p = shape.problem();
  if (!p.empty()) throw Error(cat("host tensor shape ", shape.str(), ": ", p));
  return shape.numel(1);
}
}  // namespace

HostTensor::HostTensor(DType dtype, Shape shape) : dtype(dtype), shape(std::move(shape)) {
  data.assign(static_cast<size_t>(checked_numel(this->shape)), 0.0);
}

HostTensor::HostTensor(DType dtype, Shape shape, std::vector<double> values)
    : dtype(dtype), shape(std::move(shape)), data(std::move(values)) {
  int64_t want = checked_numel(this->shape);
  if (numel() != want)
    throw Error(cat("host tensor ", TensorType{dtype, this->shape}.str(), " needs ", want, " values, got ", numel()));
}

}  // namespace graphc::runtime
