// One mutex and one condition variable: the queue is tiny and both sides wait
// rarely, so finer locking would buy nothing and cost clarity.
#include "runtime/data/background_batches.h"

#include <algorithm>
#include <memory>

namespace graphc::runtime::data {

BackgroundBatches::BackgroundBatches(BatchStream stream, size_t capacity)
    : BackgroundBatches([shared = std::make_shared<BatchStream>(std::move(stream))] { return shared->next(); },
                        capacity) {}

BackgroundBatches::BackgroundBatches(BatchSource source, size_t capacity)
    : source_(std::move(source)), capacity_(std::max<size_t>(capacity, 1)), producer_([this] { produce(); }) {}

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
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait(lock, [&] { return stop_ || ready_.size() < capacity_; });
        if (stop_) break;
      }
      std::optional<Batch> batch = source_();  // the work, outside the lock
      if (!batch) break;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        ready_.push_back(std::move(*batch));
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
    lock.unlock();
    changed_.notify_all();
    return batch;
  }
  if (error_) std::rethrow_exception(error_);
  return std::nullopt;
}

}  // namespace graphc::runtime::data
