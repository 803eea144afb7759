// Element types of IR values. f32 is the training type; i32 carries labels and
// indices; u8/boolean carry masks and raw pixels; f64 is the interpreter's
// checking type (gradient checks run whole graphs in f64); bf16/f16 are
// reserved for mixed precision.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace graphc {

enum class DType { f32, f64, f16, bf16, i32, i64, u8, boolean };

std::string_view dtype_name(DType t);
std::optional<DType> parse_dtype(std::string_view name);
size_t dtype_size(DType t);
bool is_float(DType t);
bool is_integer(DType t);  // i32, i64, u8 (not boolean)

}  // namespace graphc
