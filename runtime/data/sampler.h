// Which samples go into which batch. An epoch is one pass over a list of
// data set indices in an order that is a function of (seed, epoch), cut into
// batches: every sample exactly once, the last partial batch kept at its own
// size unless drop_last. The position inside an epoch (epoch, its order, a
// cursor into it) is plain data, so a checkpoint stores it and a resumed run
// continues from the very next sample.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace graphc::runtime::data {

struct SamplerOptions {
  int64_t batch_size = 1;
  bool shuffle = true;     // false: the indices in their given order (validation, test)
  bool drop_last = false;  // drop a final batch smaller than batch_size
  uint64_t seed = 0;
};

struct EpochPosition {
  uint64_t epoch = 0;
  std::vector<uint32_t> order;  // the epoch's sequence of data set indices
  uint64_t cursor = 0;          // how many of them have been handed out
  bool operator==(const EpochPosition&) const = default;
};

class BatchSampler {
 public:
  // Starts at epoch 0. Throws graphc::Error for a batch size below 1.
  BatchSampler(std::vector<uint32_t> indices, SamplerOptions options);

  // Begins `epoch` from its first sample.
  void start_epoch(uint64_t epoch);
  // The indices of the next batch of the current epoch; empty when the epoch
  // is over. Valid until the next call.
  std::span<const uint32_t> next_batch();
  bool epoch_done() const;
  int64_t batches_per_epoch() const;
  int64_t sample_count() const { return static_cast<int64_t>(indices_.size()); }

  const EpochPosition& position() const { return position_; }
  // Continues from a stored position. Throws graphc::Error when it cannot
  // belong to this sampler (its order is not a permutation of the indices, or
  // the cursor is past its end): a checkpoint from other data or another split.
  void restore(EpochPosition position);

  const SamplerOptions& options() const { return options_; }

 private:
  std::vector<uint32_t> indices_;
  SamplerOptions options_;
  EpochPosition position_;
};

}  // namespace graphc::runtime::data
