// See thread_pool.h.
#include "runtime/cpu/thread_pool.h"

#include <sched.h>

#include <algorithm>

#include "ir/error.h"

namespace graphc::runtime::cpu {

namespace {

void parallel_for_entry(const graphc_cpu_runtime* rt, graphc_task_fn task, void* const* buffers, int64_t n,
                        int64_t extent, int64_t work_per_iteration) {
  static_cast<ThreadPool*>(rt->pool)->parallel_for(task, buffers, n, extent, work_per_iteration);
}

// Spins this many times before sleeping on the atomic.
constexpr int kSpins = 20000;

template <typename T, typename Pred>
void spin_then_wait(const std::atomic<T>& a, T seen, Pred done) {
  for (int i = 0; i < kSpins; ++i) {
    if (done()) return;
#if defined(__x86_64__)
    __builtin_ia32_pause();
#endif
  }
  while (!done()) a.wait(seen, std::memory_order_acquire), seen = a.load(std::memory_order_acquire);
}

}  // namespace

int available_cores() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return std::max(1, CPU_COUNT(&set));
  return std::max(1u, std::thread::hardware_concurrency());
}

ThreadPool::ThreadPool(int threads) : threads_(threads <= 0 ? available_cores() : threads) {
  if (threads < 0) throw Error(cat("--threads must be at least 1 (or 0 for all cores), got ", threads));
  threads_ = std::min(threads_, kMaxThreads);
  runtime_.parallel_for = parallel_for_entry;
  runtime_.pool = this;
  for (int i = 1; i < threads_; ++i) workers_.emplace_back([this, i] { worker(i); });
}

ThreadPool::~ThreadPool() {
  stop_.store(true, std::memory_order_release);
  generation_.fetch_add(uint64_t{1} << kPartsBits, std::memory_order_acq_rel);
  generation_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void ThreadPool::run_part(const Job& job, int part) {
  const int64_t begin = job.extent * part / job.parts, end = job.extent * (part + 1) / job.parts;
  if (begin < end) job.task(job.buffers, job.n, begin, end);
}

void ThreadPool::parallel_for(graphc_task_fn task, void* const* buffers, int64_t n, int64_t extent,
                              int64_t work_per_iteration) {
  if (extent <= 0) return;
  const int64_t total = extent * std::max<int64_t>(work_per_iteration, 1);
  int parts = static_cast<int>(std::min<int64_t>(threads_, extent));
  parts = static_cast<int>(std::min<int64_t>(parts, std::max<int64_t>(1, total / kMinParallelWork)));
  if (parts <= 1) {
    task(buffers, n, 0, extent);
    return;
  }
  job_ = Job{task, buffers, n, extent, parts};
  // Only the workers with a part take part; the others learn from the
  // generation word alone that the job is not theirs, so they never read
  // job_ while the next job is being written, and nobody waits for them.
  pending_.store(parts - 1, std::memory_order_relaxed);
  const uint64_t count = (generation_.load(std::memory_order_relaxed) >> kPartsBits) + 1;
  generation_.store(count << kPartsBits | static_cast<uint64_t>(parts), std::memory_order_release);
  generation_.notify_all();
  run_part(job_, 0);
  int left = pending_.load(std::memory_order_acquire);
  spin_then_wait(pending_, left, [&] { return pending_.load(std::memory_order_acquire) == 0; });
}

void ThreadPool::worker(int index) {
  // 0, not a load: a job published before this thread first runs must not
  // count as already seen (parallel_for right after construction hung).
  uint64_t seen = 0;
  for (;;) {
    spin_then_wait(generation_, seen, [&] { return generation_.load(std::memory_order_acquire) != seen; });
    seen = generation_.load(std::memory_order_acquire);
    if (stop_.load(std::memory_order_acquire)) return;
    const int parts = static_cast<int>(seen & ((uint64_t{1} << kPartsBits) - 1));
    if (index >= parts) continue;
    run_part(job_, index);
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) pending_.notify_all();  // all: waiters share wake-up slots
  }
}

}  // namespace graphc::runtime::cpu
