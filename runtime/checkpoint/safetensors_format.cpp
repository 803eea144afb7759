#include "runtime/checkpoint/safetensors_format.h"

#include <array>

#include "ir/error.h"

namespace graphc::runtime::safetensors_format {

namespace {

// rank: the index in safetensors' `enum Dtype`, which reads BOOL, U8, I8,
// F8_E5M2, F8_E4M3, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64.
struct DTypeEntry {
  DType type;
  std::string_view name;
  int rank;
};

constexpr std::array<DTypeEntry, 8> kDTypes{{
    {DType::boolean, "BOOL", 0},
    {DType::u8, "U8", 1},
    {DType::f16, "F16", 7},
    {DType::bf16, "BF16", 8},
    {DType::i32, "I32", 9},
    {DType::f32, "F32", 11},
    {DType::f64, "F64", 12},
    {DType::i64, "I64", 13},
}};

const DTypeEntry& entry(DType t) {
  for (const DTypeEntry& e : kDTypes)
    if (e.type == t) return e;
  GRAPHC_ASSERT(false, "dtype ", graphc::dtype_name(t), " has no safetensors name");
  return kDTypes[0];
}

}  // namespace

std::string_view safetensors_dtype_name(DType t) { return entry(t).name; }

int layout_rank(DType t) { return entry(t).rank; }

std::optional<DType> parse_safetensors_dtype(std::string_view name) {
  for (const DTypeEntry& e : kDTypes)
    if (e.name == name) return e.type;
  return std::nullopt;
}

std::optional<uint64_t> byte_count(DType t, std::span<const int64_t> shape) {
  uint64_t bytes = dtype_size(t);
  for (int64_t d : shape) {
    GRAPHC_ASSERT(d >= 0, "negative dimension ", d);
    if (__builtin_mul_overflow(bytes, static_cast<uint64_t>(d), &bytes)) return std::nullopt;
  }
  return bytes;
}

}  // namespace graphc::runtime::safetensors_format
