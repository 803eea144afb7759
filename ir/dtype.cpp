#include "ir/dtype.h"

#include <array>

namespace graphc {

namespace {
struct DTypeInfo {
  DType type;
  std::string_view name;
  size_t size;
};
constexpr std::array<DTypeInfo, 8> kDTypes{{
    {DType::f32, "f32", 4},
    {DType::f64, "f64", 8},
    {DType::f16, "f16", 2},
    {DType::bf16, "bf16", 2},
    {DType::i32, "i32", 4},
    {DType::i64, "i64", 8},
    {DType::u8, "u8", 1},
    {DType::boolean, "bool", 1},
}};
}  // namespace

std::string_view dtype_name(DType t) { return kDTypes[static_cast<size_t>(t)].name; }
size_t dtype_size(DType t) { return kDTypes[static_cast<size_t>(t)].size; }

std::optional<DType> parse_dtype(std::string_view name) {
  for (const auto& d : kDTypes)
    if (d.name == name) return d.type;
  return std::nullopt;
}

bool is_float(DType t) { return t == DType::f32 || t == DType::f64 || t == DType::f16 || t == DType::bf16; }
bool is_integer(DType t) { return t == DType::i32 || t == DType::i64 || t == DType::u8; }

}  // namespace graphc
