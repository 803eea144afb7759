// The data pipeline's randomness: seeded permutations (train/validation
// split, per-epoch shuffles) and per-sample augmentation draws. All of it
// comes from Philox (runtime/philox.h) addressed by (seed, stream, index),
// not from <random>, whose distributions differ between standard libraries:
// a seed must give the same split and order everywhere, in any thread, and
// again when a run resumes from a checkpoint.
#pragma once

#include <cstdint>
#include <vector>

namespace graphc::runtime::data {

// Streams of the pipeline; the low 32 bits carry the epoch where one applies.
inline constexpr uint64_t kSplitStream = uint64_t{0x53504c49} << 32;    // "SPLI"
inline constexpr uint64_t kShuffleStream = uint64_t{0x53485546} << 32;  // "SHUF"
inline constexpr uint64_t kAugmentStream = uint64_t{0x4155474d} << 32;  // "AUGM"

// 32 random bits: word `index` of stream (seed, stream).
uint32_t random_word(uint64_t seed, uint64_t stream, uint64_t index);

// A uniformly random permutation of 0..n-1 (Fisher-Yates with unbiased
// bounded draws), a function of (n, seed, stream) only.
std::vector<uint32_t> seeded_permutation(uint32_t n, uint64_t seed, uint64_t stream);

}  // namespace graphc::runtime::data
