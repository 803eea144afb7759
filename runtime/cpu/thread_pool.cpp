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
  for (int i = 1; i < threads_; ++i) workers_.emplace_back([this] { worker(); });
}

ThreadPool::~ThreadPool() {
  stop_.store(true, std::memory_order_release);
  claim_.fetch_add(uint64_t{1} << kJobShift, std::memory_order_acq_rel);
  claim_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void ThreadPool::run_part(int part) {
  const Job& job = job_;
  const int64_t begin = job.extent * part / job.parts, end = job.extent * (part + 1) / job.parts;
  if (begin < end) job.task(job.buffers, job.n, begin, end);
}

void ThreadPool::run_claimed_parts(uint64_t seen) {
  constexpr uint64_t kField = (uint64_t{1} << kPartsShift) - 1;
  for (;;) {
    const uint64_t parts = (seen >> kPartsShift) & kField, next = seen & kField;
    if (next >= parts) return;
    if (!claim_.compare_exchange_weak(seen, seen + 1, std::memory_order_acq_rel, std::memory_order_acquire))
      continue;  // `seen` now holds the word: another part left, or none, or another job
    run_part(static_cast<int>(next));
    // release: the caller reads what the part wrote once it sees the count.
    if (finished_.fetch_add(1, std::memory_order_acq_rel) + 1 == static_cast<int>(parts)) finished_.notify_all();
    seen = claim_.load(std::memory_order_acquire);  // this job's next part, or a newer job's
  }
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
  finished_.store(0, std::memory_order_relaxed);
  const uint64_t job_count = (claim_.load(std::memory_order_relaxed) >> kJobShift) + 1;
  const uint64_t published = job_count << kJobShift | static_cast<uint64_t>(parts) << kPartsShift;  // part 0 next
  claim_.store(published, std::memory_order_release);
  claim_.notify_all();
  run_claimed_parts(published);
  int done = finished_.load(std::memory_order_acquire);
  spin_then_wait(finished_, done, [&] { return finished_.load(std::memory_order_acquire) == parts; });
}

void ThreadPool::worker() {
  // 0, not a load: a job published before this thread first runs must not
  // count as already seen (parallel_for right after construction hung).
  uint64_t seen = 0;
  for (;;) {
    spin_then_wait(claim_, seen, [&] { return claim_.load(std::memory_order_acquire) >> kJobShift != seen >> kJobShift; });
    seen = claim_.load(std::memory_order_acquire);
    if (stop_.load(std::memory_order_acquire)) return;
    run_claimed_parts(seen);
  }
}

}  // namespace graphc::runtime::cpu
