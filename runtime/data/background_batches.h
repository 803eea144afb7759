// Runs a BatchStream (or any batch source) on its own thread, a few batches
// ahead of the training step (a bounded queue), so decoding, augmentation and
// normalization overlap with compute. It yields exactly the batches the stream would yield
// synchronously, in the same order. Destroying it early stops and joins the
// producer (no hang, no leaked thread); an exception in the producer is
// rethrown by next() after the batches that preceded it. A trainer makes one
// per epoch; the batches' epoch and cursor_after, with the sampler's order,
// say where a checkpoint taken after any batch resumes.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "runtime/data/batch.h"

namespace graphc::runtime::data {

// Produces the next batch, or nullopt at the end; called on the producer thread.
using BatchSource = std::function<std::optional<Batch>()>;

class BackgroundBatches {
 public:
  // capacity: batches prepared ahead (at least 1). ahead_for(batch_size)
  // suits a training loop.
  explicit BackgroundBatches(BatchStream stream, size_t capacity = 3);
  explicit BackgroundBatches(BatchSource source, size_t capacity = 3);
  // About a thousand samples ahead, 3 to 64 batches: small batches are
  // quick to make, and a longer queue wakes the producer less often.
  static size_t ahead_for(int64_t batch_size);
  ~BackgroundBatches();
  BackgroundBatches(const BackgroundBatches&) = delete;
  BackgroundBatches& operator=(const BackgroundBatches&) = delete;

  // The next batch (waiting for it if need be), nullopt at the end of the
  // epoch; rethrows the producer's exception once its batches are consumed.
  std::optional<Batch> next();

 private:
  void produce();

  BatchSource source_;  // called only by the producer thread
  const size_t capacity_;
  const size_t low_water_;  // the producer refills once the queue is down to this
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Batch> ready_;
  bool finished_ = false;  // the producer has stopped (end of epoch, error or stop)
  bool stop_ = false;      // the consumer is going away
  std::exception_ptr error_;
  std::thread producer_;  // last member: started once everything above exists
};

}  // namespace graphc::runtime::data
