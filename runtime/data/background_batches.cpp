// One mutex and one condition variable: the queue is tiny and both sides wait
// rarely, so finer locking would buy nothing and cost clarity.
//
// Hysteresis: the producer, once the queue is full, sleeps until it has
// drained to half, then fills it again; the consumer wakes it only at that
// crossing. Waking a sleeping thread is a system call and a context switch
// (several microseconds); at batch 4, when a step takes 50 us, waking the
// producer after every batch cost more than assembling the batch.
#include "runtime/data/background_batches.h"

#include <algorithm>
#include <memory>

namespace graphc::runtime::data {

BackgroundBatches::BackgroundBatches(BatchStream stream, size_t capacity)
    : BackgroundBatches([shared = std::make_shared<BatchStream>(std::move(stream))] { return shared->next(); },
                        capacity) {}

BackgroundBatches::BackgroundBatches(BatchSource source, size_t capacity)
    : source_(std::move(source)),
      capacity_(std::max<size_t>(capacity, 1)),
      low_water_(capacity_ / 2),
      producer_([this] { produce(); }) {}

size_t BackgroundBatches::ahead_for(int64_t batch_size) {
  return static_cast<size_t>(std::clamp<int64_t>(1024 / std::max<int64_t>(batch_size, 1), 3, 64));
}

BackgroundBatches::~BackgroundBatches() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  producer_.join();
}

void BackgroundBatches::produce() {
  try {
    bool filling = true;  // until the queue is full; then asleep until it is down to low_water_
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait(lock, [&] { return stop_ || filling || ready_.size() <= low_water_; });
        if (stop_) break;
      }
      std::optional<Batch> batch = source_();  // the work, outside the lock
      if (!batch) break;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        ready_.push_back(std::move(*batch));
        filling = ready_.size() < capacity_;
      }
      changed_.notify_all();
    }
  } catch (...) {
    std::lock_guard<std::mutex> lock(mutex_);
    error_ = std::current_exception();
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    finished_ = true;
  }
  changed_.notify_all();
}

std::optional<Batch> BackgroundBatches::next() {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [&] { return !ready_.empty() || finished_; });
  if (!ready_.empty()) {
    Batch batch = std::move(ready_.front());
    ready_.pop_front();
    const bool wake_producer = ready_.size() == low_water_;
    lock.unlock();
    if (wake_producer) changed_.notify_all();
    return batch;
  }
  if (error_) std::rethrow_exception(error_);
  return std::nullopt;
}

}  // namespace graphc::runtime::data
