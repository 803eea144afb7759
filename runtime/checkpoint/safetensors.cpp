// Looking tensors up by name and converting between typed values and the
// raw little-endian bytes that a safetensors file stores.
#include "runtime/checkpoint/safetensors.h"

#include <cstring>

#include "ir/error.h"
#include "ir/shape.h"
#include "runtime/checkpoint/safetensors_format.h"

namespace graphc::runtime {

namespace {

template <typename T>
constexpr DType dtype_of() {
  if constexpr (std::is_same_v<T, float>) return DType::f32;
  if constexpr (std::is_same_v<T, double>) return DType::f64;
  if constexpr (std::is_same_v<T, int32_t>) return DType::i32;
  if constexpr (std::is_same_v<T, int64_t>) return DType::i64;
  if constexpr (std::is_same_v<T, uint8_t>) return DType::u8;
}

std::string where(const SafeTensors& file) {
  if (file.source.empty()) return "safetensors";
  return file.source;
}

}  // namespace

int64_t NamedTensor::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

const NamedTensor* SafeTensors::find(std::string_view name) const {
  for (const NamedTensor& t : tensors)
    if (t.name == name) return &t;
  return nullptr;
}

const NamedTensor& SafeTensors::at(std::string_view name) const {
  if (const NamedTensor* t = find(name)) return *t;
  throw Error(cat(where(*this), ": no tensor named '", name, "' (it has ", tensors.size(), " tensors)"));
}

template <typename T>
NamedTensor make_tensor(std::string name, std::vector<int64_t> shape, std::span<const T> values) {
  NamedTensor t{std::move(name), dtype_of<T>(), std::move(shape), {}};
  GRAPHC_ASSERT(t.numel() == static_cast<int64_t>(values.size()), "tensor '", t.name, "' of shape ", dims_str(t.shape),
                " given ", values.size(), " values");
  t.bytes.resize(values.size_bytes());
  if (!values.empty()) std::memcpy(t.bytes.data(), values.data(), values.size_bytes());
  return t;
}

template <typename T>
std::vector<T> tensor_values(const SafeTensors& file, std::string_view name,
                             const std::vector<int64_t>& expected_shape) {
  const NamedTensor& t = file.at(name);
  DType want = dtype_of<T>();
  if (t.dtype != want || t.shape != expected_shape)
    throw Error(cat(where(file), ": tensor '", name, "' is ", safetensors_format::safetensors_dtype_name(t.dtype), " ",
                    dims_str(t.shape), ", expected ", safetensors_format::safetensors_dtype_name(want), " ",
                    dims_str(expected_shape)));
  std::vector<T> values(t.bytes.size() / sizeof(T));
  if (!values.empty()) std::memcpy(values.data(), t.bytes.data(), t.bytes.size());
  return values;
}

#define GRAPHC_SAFETENSORS_VALUE_TYPE(T)                                                      \
  template NamedTensor make_tensor<T>(std::string, std::vector<int64_t>, std::span<const T>); \
  template std::vector<T> tensor_values<T>(const SafeTensors&, std::string_view, const std::vector<int64_t>&);
GRAPHC_SAFETENSORS_VALUE_TYPE(float)
GRAPHC_SAFETENSORS_VALUE_TYPE(double)
GRAPHC_SAFETENSORS_VALUE_TYPE(int32_t)
GRAPHC_SAFETENSORS_VALUE_TYPE(int64_t)
GRAPHC_SAFETENSORS_VALUE_TYPE(uint8_t)
#undef GRAPHC_SAFETENSORS_VALUE_TYPE

}  // namespace graphc::runtime
