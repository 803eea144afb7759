// The IDX format of MNIST and Fashion-MNIST (LeCun's "idx3-ubyte" files): a
// 4-byte magic (0, 0, element type, rank), big-endian u32 dimensions, then the
// values. Only unsigned bytes (type 0x08) occur in those data sets, so only
// they are read; anything else is refused with the type named.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace graphc::runtime::data {

struct IdxArray {
  std::vector<int64_t> dims;
  std::vector<uint8_t> values;  // row-major, product(dims) of them
};

// Reads a raw or gzipped IDX file of unsigned bytes. Throws graphc::Error
// naming the file for a wrong magic, an unsupported type, a truncated or
// over-long body, or a corrupt gzip stream.
IdxArray read_idx_u8(const std::string& path);

}  // namespace graphc::runtime::data
