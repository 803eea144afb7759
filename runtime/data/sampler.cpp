// The epoch order is recomputed from (seed, epoch), never carried over from
// the previous epoch, so epoch k's order does not depend on how the run got
// there (straight through, or resumed from a checkpoint).
#include "runtime/data/sampler.h"

#include <algorithm>
#include <limits>

#include "ir/error.h"
#include "runtime/data/shuffle.h"

namespace graphc::runtime::data {

BatchSampler::BatchSampler(std::vector<uint32_t> indices, SamplerOptions options)
    : indices_(std::move(indices)), options_(options) {
  if (options_.batch_size < 1) throw Error(cat("batch size ", options_.batch_size, " must be at least 1"));
  if (indices_.size() > std::numeric_limits<uint32_t>::max()) throw Error("more than 2^32-1 samples");
  start_epoch(0);
}

void BatchSampler::start_epoch(uint64_t epoch) {
  if (epoch > std::numeric_limits<uint32_t>::max()) throw Error(cat("epoch ", epoch, " is out of range"));
  position_.epoch = epoch;
  position_.cursor = 0;
  if (!options_.shuffle) {
    position_.order = indices_;
    return;
  }
  const std::vector<uint32_t> perm =
      seeded_permutation(static_cast<uint32_t>(indices_.size()), options_.seed, kShuffleStream | epoch);
  position_.order.resize(indices_.size());
  for (size_t i = 0; i < perm.size(); ++i) position_.order[i] = indices_[perm[i]];
}

bool BatchSampler::epoch_done() const {
  const uint64_t left = position_.order.size() - position_.cursor;
  return left == 0 || (options_.drop_last && left < static_cast<uint64_t>(options_.batch_size));
}

std::span<const uint32_t> BatchSampler::next_batch() {
  if (epoch_done()) return {};
  const uint64_t left = position_.order.size() - position_.cursor;
  const uint64_t size = std::min(left, static_cast<uint64_t>(options_.batch_size));
  std::span<const uint32_t> batch(position_.order.data() + position_.cursor, size);
  position_.cursor += size;
  return batch;
}

int64_t BatchSampler::batches_per_epoch() const {
  const int64_t n = sample_count(), b = options_.batch_size;
  return options_.drop_last ? n / b : (n + b - 1) / b;
}

void BatchSampler::restore(EpochPosition position) {
  if (position.cursor > position.order.size())
    throw Error(cat("data loader position: cursor ", position.cursor, " is past the epoch's ", position.order.size(),
                    " samples"));
  std::vector<uint32_t> stored = position.order, ours = indices_;
  std::sort(stored.begin(), stored.end());
  std::sort(ours.begin(), ours.end());
  if (stored != ours)
    throw Error(cat("data loader position: the stored epoch order (", position.order.size(),
                    " samples) is not an order of this run's ", indices_.size(),
                    " samples; was it saved with other data, another validation split or another seed?"));
  position_ = std::move(position);
}

}  // namespace graphc::runtime::data
