// The constants of the safetensors format that its reader and writer share:
// dtype names and the reference implementation's dtype order (which fixes
// the data layout), the header-size bound, and the little-endian host that
// lets tensor bytes be copied as they are.
#pragma once

#include <bit>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "ir/dtype.h"

namespace graphc::runtime::safetensors_format {

static_assert(std::endian::native == std::endian::little,
              "safetensors data is little-endian; a big-endian host needs byte swapping here");

// The reference reader refuses larger headers; so do we, before allocating.
inline constexpr uint64_t kMaxHeaderBytes = 100'000'000;
inline constexpr std::string_view kMetadataKey = "__metadata__";

std::string_view safetensors_dtype_name(DType t);                     // "F32"
std::optional<DType> parse_safetensors_dtype(std::string_view name);  // nullopt for anything graphc has no DType for
// The position of t in the reference implementation's Dtype enum, which is
// in increasing alignment order (BOOL < U8 < F16 < BF16 < I32 < F32 < F64 <
// I64); the writer lays tensors out by decreasing rank, then by name.
int layout_rank(DType t);

// numel * element size for dims that are all >= 0, or nullopt when that
// overflows 64 bits (a hostile shape).
std::optional<uint64_t> byte_count(DType t, std::span<const int64_t> shape);

}  // namespace graphc::runtime::safetensors_format
