// Bounded draws use Lemire's multiply-and-reject ("Fast random integer
// generation in an interval", 2019): exact uniformity with one draw almost
// always. Draws are numbered consecutively within the stream, rejected ones
// included, so the result depends on nothing but the arguments.
#include "runtime/data/shuffle.h"

#include <numeric>
#include <utility>

#include "runtime/philox.h"

namespace graphc::runtime::data {

uint32_t random_word(uint64_t seed, uint64_t stream, uint64_t index) {
  PhiloxCounter counter{static_cast<uint32_t>(index), static_cast<uint32_t>(index >> 32), static_cast<uint32_t>(stream),
                        static_cast<uint32_t>(stream >> 32)};
  PhiloxKey key{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)};
  return philox4x32(counter, key)[0];
}

std::vector<uint32_t> seeded_permutation(uint32_t n, uint64_t seed, uint64_t stream) {
  std::vector<uint32_t> perm(n);
  std::iota(perm.begin(), perm.end(), 0u);
  uint64_t draw = 0;
  for (uint32_t i = n; i > 1; --i) {             // swap perm[i-1] with a uniform perm[j], j in [0, i)
    const uint32_t reject_below = (0u - i) % i;  // 2^32 mod i
    uint64_t product;
    do {
      product = uint64_t{random_word(seed, stream, draw++)} * i;
    } while (static_cast<uint32_t>(product) < reject_below);
    const auto j = static_cast<uint32_t>(product >> 32);
    std::swap(perm[i - 1], perm[j]);
  }
  return perm;
}

}  // namespace graphc::runtime::data
