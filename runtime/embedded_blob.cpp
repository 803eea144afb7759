// See embedded_blob.h.
#include "runtime/embedded_blob.h"

#include <zlib.h>

#include <cstdint>
#include <cstring>

#include "ir/error.h"

namespace graphc::runtime {

namespace {

constexpr std::string_view kMagic = "GRAPHCZ1";
constexpr size_t kHeader = 16;  // the magic, then the expanded size

}  // namespace

std::string compress_blob(std::string_view bytes) {
  uLongf packed = compressBound(static_cast<uLong>(bytes.size()));
  std::string out(kHeader + packed, '\0');
  std::memcpy(out.data(), kMagic.data(), kMagic.size());
  uint64_t size = bytes.size();
  for (int i = 0; i < 8; ++i) out[kMagic.size() + i] = static_cast<char>((size >> (8 * i)) & 0xff);
  const int r = compress2(reinterpret_cast<Bytef*>(out.data() + kHeader), &packed,
                          reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uLong>(bytes.size()), 9);
  if (r != Z_OK) throw Error(cat("zlib cannot compress ", bytes.size(), " bytes (error ", r, ")"));
  out.resize(kHeader + packed);
  return out;
}

std::string expand_blob(std::string_view blob, const std::string& what) {
  if (blob.size() < kHeader || blob.substr(0, kMagic.size()) != kMagic) return std::string(blob);
  uint64_t size = 0;
  for (int i = 0; i < 8; ++i) size |= uint64_t{static_cast<unsigned char>(blob[kMagic.size() + i])} << (8 * i);
  std::string out(size, '\0');
  uLongf expanded = static_cast<uLongf>(size);
  const int r = uncompress(reinterpret_cast<Bytef*>(out.data()), &expanded,
                           reinterpret_cast<const Bytef*>(blob.data() + kHeader), static_cast<uLong>(blob.size() - kHeader));
  if (r != Z_OK || expanded != size)
    throw Error(cat(what, " is damaged (zlib error ", r, ", ", expanded, " of ", size, " bytes); rebuild this trainer"));
  return out;
}

}  // namespace graphc::runtime
