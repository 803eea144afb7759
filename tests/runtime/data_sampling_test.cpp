// Seeded permutations, the train/validation split and epoch batching: every
// sample exactly once, deterministic from the seed, resumable mid-epoch.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <set>

#include "data_test_files.h"
#include "ir/error.h"
#include "runtime/data/sampler.h"
#include "runtime/data/shuffle.h"
#include "runtime/data/split.h"

namespace graphc::runtime::data {
namespace {
using namespace testing;

std::vector<uint32_t> iota_indices(uint32_t n, uint32_t first = 0) {
  std::vector<uint32_t> v(n);
  std::iota(v.begin(), v.end(), first);
  return v;
}

bool is_permutation_of_range(std::vector<uint32_t> v) {
  std::sort(v.begin(), v.end());
  return v == iota_indices(static_cast<uint32_t>(v.size()));
}

// All batches of the sampler's current epoch.
std::vector<std::vector<uint32_t>> epoch_batches(BatchSampler& sampler) {
  std::vector<std::vector<uint32_t>> batches;
  for (auto b = sampler.next_batch(); !b.empty(); b = sampler.next_batch()) batches.emplace_back(b.begin(), b.end());
  return batches;
}

TEST(DataSampling, PermutationIsDeterministicAndSeedDependent) {
  const auto p = seeded_permutation(1000, 7, kShuffleStream);
  EXPECT_TRUE(is_permutation_of_range(p));
  EXPECT_EQ(p, seeded_permutation(1000, 7, kShuffleStream));
  EXPECT_NE(p, seeded_permutation(1000, 8, kShuffleStream));
  EXPECT_NE(p, seeded_permutation(1000, 7, kShuffleStream | 1));
  EXPECT_TRUE(seeded_permutation(0, 1, 0).empty());
  EXPECT_EQ(seeded_permutation(1, 1, 0), (std::vector<uint32_t>{0}));
}

TEST(DataSampling, PermutationsOfFourAreUniform) {
  // 4! = 24 outcomes over 4800 seeds: 200 expected each, sd ~14; bounds at ~5 sd.
  std::map<std::vector<uint32_t>, int> seen;
  for (uint64_t seed = 0; seed < 4800; ++seed) ++seen[seeded_permutation(4, seed, kSplitStream)];
  EXPECT_EQ(seen.size(), 24u);
  for (const auto& [perm, count] : seen) {
    EXPECT_GT(count, 130);
    EXPECT_LT(count, 270);
  }
}

TEST(DataSampling, RandomSplitIsDisjointCoveringAndSeeded) {
  const TrainValSplit split = random_split(60000, 10000, 42);
  EXPECT_EQ(split.train.size(), 50000u);
  EXPECT_EQ(split.val.size(), 10000u);
  std::vector<uint32_t> all = split.train;
  all.insert(all.end(), split.val.begin(), split.val.end());
  EXPECT_TRUE(is_permutation_of_range(all));  // disjoint and covering
  const TrainValSplit again = random_split(60000, 10000, 42);
  EXPECT_EQ(again.train, split.train);
  EXPECT_EQ(again.val, split.val);
  EXPECT_NE(random_split(60000, 10000, 43).val, split.val);
  // Not simply the last 10,000 samples.
  EXPECT_LT(*std::min_element(split.val.begin(), split.val.end()), 1000u);
  EXPECT_TRUE(random_split(5, 0, 1).val.empty());
  expect_error([] { random_split(10, 11, 1); }, {"11", "10"});
  EXPECT_EQ(validation_count(60000, 1.0 / 6.0), 10000);
  expect_error([] { validation_count(10, 1.0); }, {"fraction"});
}

TEST(DataSampling, EveryIndexOncePerEpochWithPartialLastBatch) {
  const std::vector<uint32_t> indices = iota_indices(10, 100);
  BatchSampler sampler(indices, {.batch_size = 3, .shuffle = true, .drop_last = false, .seed = 5});
  EXPECT_EQ(sampler.batches_per_epoch(), 4);
  for (uint64_t epoch = 0; epoch < 3; ++epoch) {
    sampler.start_epoch(epoch);
    const auto batches = epoch_batches(sampler);
    ASSERT_EQ(batches.size(), 4u);
    EXPECT_EQ(batches[0].size(), 3u);
    EXPECT_EQ(batches[3].size(), 1u);
    std::multiset<uint32_t> seen;
    for (const auto& b : batches) seen.insert(b.begin(), b.end());
    EXPECT_EQ(seen, std::multiset<uint32_t>(indices.begin(), indices.end()));
    EXPECT_TRUE(sampler.epoch_done());
    EXPECT_TRUE(sampler.next_batch().empty());
  }
}

TEST(DataSampling, DropLastDropsOnlyTheShortBatch) {
  BatchSampler sampler(iota_indices(10), {.batch_size = 3, .shuffle = true, .drop_last = true, .seed = 5});
  EXPECT_EQ(sampler.batches_per_epoch(), 3);
  const auto batches = epoch_batches(sampler);
  ASSERT_EQ(batches.size(), 3u);
  for (const auto& b : batches) EXPECT_EQ(b.size(), 3u);
  BatchSampler exact(iota_indices(9), {.batch_size = 3, .shuffle = false, .drop_last = true});
  EXPECT_EQ(epoch_batches(exact).size(), 3u);
}

TEST(DataSampling, OrderChangesPerEpochAndRepeatsPerSeed) {
  const SamplerOptions options{.batch_size = 4, .shuffle = true, .drop_last = false, .seed = 11};
  BatchSampler a(iota_indices(50), options), b(iota_indices(50), options);
  std::set<std::vector<uint32_t>> orders;
  for (uint64_t epoch = 0; epoch < 4; ++epoch) {
    a.start_epoch(epoch);
    b.start_epoch(epoch);
    EXPECT_EQ(a.position().order, b.position().order);
    orders.insert(a.position().order);
  }
  EXPECT_EQ(orders.size(), 4u);
  // Epoch k's order does not depend on the epochs before it.
  BatchSampler c(iota_indices(50), options);
  c.start_epoch(3);
  EXPECT_EQ(c.position().order, a.position().order);
  BatchSampler other_seed(iota_indices(50), {.batch_size = 4, .shuffle = true, .drop_last = false, .seed = 12});
  other_seed.start_epoch(3);
  EXPECT_NE(other_seed.position().order, a.position().order);
}

TEST(DataSampling, UnshuffledKeepsTheGivenOrder) {
  const std::vector<uint32_t> indices = {9, 3, 7, 1, 5};
  BatchSampler sampler(indices, {.batch_size = 2, .shuffle = false});
  sampler.start_epoch(6);
  const auto batches = epoch_batches(sampler);
  EXPECT_EQ(batches, (std::vector<std::vector<uint32_t>>{{9, 3}, {7, 1}, {5}}));
}

TEST(DataSampling, ResumingMidEpochContinuesWithTheNextSample) {
  const SamplerOptions options{.batch_size = 4, .shuffle = true, .drop_last = false, .seed = 3};
  BatchSampler straight(iota_indices(30), options);
  straight.start_epoch(2);
  const auto all = epoch_batches(straight);

  BatchSampler first(iota_indices(30), options);
  first.start_epoch(2);
  first.next_batch();
  first.next_batch();
  const EpochPosition saved = first.position();  // what a checkpoint stores
  EXPECT_EQ(saved.cursor, 8u);

  BatchSampler resumed(iota_indices(30), options);
  resumed.restore(saved);
  const auto rest = epoch_batches(resumed);
  EXPECT_EQ(rest, std::vector<std::vector<uint32_t>>(all.begin() + 2, all.end()));
}

TEST(DataSampling, RestoreRejectsPositionsFromOtherData) {
  BatchSampler sampler(iota_indices(10), {.batch_size = 4});
  EpochPosition foreign{1, iota_indices(10, 1), 0};
  expect_error([&] { sampler.restore(foreign); }, {"not an order of this run's 10 samples"});
  EpochPosition past_end{1, iota_indices(10), 11};
  expect_error([&] { sampler.restore(past_end); }, {"cursor 11"});
  expect_error([] { BatchSampler bad(iota_indices(3), {.batch_size = 0}); }, {"batch size 0"});
}

}  // namespace
}  // namespace graphc::runtime::data
