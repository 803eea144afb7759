// Reads the body in bounded chunks so that a hostile header claiming billions
// of elements fails on the truncated body instead of on a giant allocation.
#include "runtime/data/idx.h"

#include <algorithm>

#include "ir/error.h"
#include "ir/shape.h"
#include "runtime/data/file_stream.h"

namespace graphc::runtime::data {
namespace {
constexpr uint8_t kUnsignedByte = 0x08;
constexpr size_t kChunk = size_t{16} << 20;

std::string hex_byte(uint8_t b) {
  const char* digits = "0123456789abcdef";
  return {'0', 'x', digits[b >> 4], digits[b & 15]};
}
}  // namespace

IdxArray read_idx_u8(const std::string& path) {
  FileStream in(path);
  uint8_t magic[4];
  in.read_exact(magic, 4, "the IDX magic number");
  if (magic[0] != 0 || magic[1] != 0)
    throw Error(cat(path, ": not an IDX file (magic starts with ", hex_byte(magic[0]), " ", hex_byte(magic[1]),
                    ", expected 0x00 0x00)"));
  if (magic[2] != kUnsignedByte)
    throw Error(cat(path, ": IDX element type ", hex_byte(magic[2]), " is not supported (only 0x08, unsigned bytes)"));
  const int rank = magic[3];
  if (rank < 1 || rank > 4) throw Error(cat(path, ": IDX rank ", rank, " is outside 1..4"));

  IdxArray array;
  int64_t total = 1;
  for (int d = 0; d < rank; ++d) {
    uint8_t be[4];
    in.read_exact(be, 4, "the IDX dimensions");
    const int64_t dim = (int64_t{be[0]} << 24) | (int64_t{be[1]} << 16) | (int64_t{be[2]} << 8) | int64_t{be[3]};
    if (dim <= 0) throw Error(cat(path, ": IDX dimension ", d, " is ", dim));
    if (total > kMaxElements / dim) throw Error(cat(path, ": IDX dimensions are too large"));
    total *= dim;
    array.dims.push_back(dim);
  }

  const auto expected = static_cast<size_t>(total);
  array.values.reserve(std::min(expected, kChunk));
  while (array.values.size() < expected) {
    const size_t old = array.values.size();
    const size_t step = std::min(expected - old, kChunk);
    array.values.resize(old + step);
    const size_t got = in.read_some(array.values.data() + old, step, "the IDX values");
    if (got < step)
      throw Error(cat(path, ": truncated: the header announces ", expected, " values of shape ", dims_str(array.dims),
                      " but only ", old + got, " follow"));
  }
  uint8_t extra;
  if (in.read_some(&extra, 1, "the end of the IDX file") != 0)
    throw Error(
        cat(path, ": more data than the header's shape ", dims_str(array.dims), " announces (", expected, " values)"));
  return array;
}

}  // namespace graphc::runtime::data
