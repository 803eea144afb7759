// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2,
// 3"), the counter-based generator behind parameter initialisation and
// dropout masks. A value depends only on (key, counter), so any backend and
// any thread can produce element i of a stream without drawing 0..i-1. This
// header is the definition the code generators must reproduce bit for bit.
#pragma once

#include <array>
#include <cstdint>

namespace graphc::runtime {

using PhiloxCounter = std::array<uint32_t, 4>;
using PhiloxKey = std::array<uint32_t, 2>;

constexpr PhiloxCounter philox4x32(PhiloxCounter c, PhiloxKey k) {
  constexpr uint32_t kMul0 = 0xD2511F53u, kMul1 = 0xCD9E8D57u;
  constexpr uint32_t kWeyl0 = 0x9E3779B9u, kWeyl1 = 0xBB67AE85u;
  for (int round = 0; round < 10; ++round) {
    uint64_t p0 = uint64_t{kMul0} * c[0];
    uint64_t p1 = uint64_t{kMul1} * c[2];
    c = {static_cast<uint32_t>(p1 >> 32) ^ c[1] ^ k[0], static_cast<uint32_t>(p1),
         static_cast<uint32_t>(p0 >> 32) ^ c[3] ^ k[1], static_cast<uint32_t>(p0)};
    k[0] += kWeyl0;
    k[1] += kWeyl1;
  }
  return c;
}

// A uniform float in [0, 1) with 24 random bits: element `index` of the
// stream (seed, stream).
constexpr float philox_uniform(uint64_t seed, uint64_t stream, uint64_t index) {
  PhiloxCounter c{static_cast<uint32_t>(index), static_cast<uint32_t>(index >> 32), static_cast<uint32_t>(stream),
                  static_cast<uint32_t>(stream >> 32)};
  PhiloxKey k{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)};
  return static_cast<float>(philox4x32(c, k)[0] >> 8) * (1.0f / 16777216.0f);
}

}  // namespace graphc::runtime
