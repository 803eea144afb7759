// The CUDA module a trainer carries (cubin and PTX, tens of megabytes for a
// ResNet) is embedded zlib-compressed and expanded only when --device cuda
// loads it: a quarter of the size on disk, and the PTX text a tenth.
// A compressed blob is "GRAPHCZ1", the expanded size (8 bytes, little
// endian), then one zlib stream; anything else is taken as it is (the tests'
// emulated modules).
#pragma once

#include <string>
#include <string_view>

namespace graphc::runtime {

std::string compress_blob(std::string_view bytes);
// Throws graphc::Error naming `what` when a compressed blob is damaged.
std::string expand_blob(std::string_view blob, const std::string& what);

}  // namespace graphc::runtime
