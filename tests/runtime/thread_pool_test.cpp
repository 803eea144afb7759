// The thread pool's contract with the kernels (kernel_abi.h): every
// iteration of a loop runs exactly once, the loop has finished when
// parallel_for returns, and small loops stay on the calling thread. Pools
// with more threads than this machine has cores make workers arrive late,
// so the caller claims their ranges: the counts must still be exact.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "ir/error.h"
#include "runtime/cpu/thread_pool.h"

namespace graphc::runtime::cpu {
namespace {

// buffers[0]: int32 visit counts, one per iteration; buffers[1]: the
// std::atomic<int64_t> sum of (begin, end) ranges' lengths.
void count_visits(void* const* buffers, int64_t, int64_t begin, int64_t end) {
  auto* visits = static_cast<std::atomic<int32_t>*>(buffers[0]);
  for (int64_t i = begin; i < end; ++i) visits[i].fetch_add(1, std::memory_order_relaxed);
  static_cast<std::atomic<int64_t>*>(buffers[1])->fetch_add(end - begin, std::memory_order_relaxed);
}

void record_thread(void* const* buffers, int64_t, int64_t begin, int64_t end) {
  auto* ids = static_cast<std::thread::id*>(buffers[0]);
  for (int64_t i = begin; i < end; ++i) ids[i] = std::this_thread::get_id();
}

void expect_every_iteration_once(ThreadPool& pool, int64_t extent, int64_t work_per_iteration) {
  std::vector<std::atomic<int32_t>> visits(static_cast<size_t>(extent));
  std::atomic<int64_t> ranges{0};
  void* buffers[] = {visits.data(), &ranges};
  pool.parallel_for(count_visits, buffers, 0, extent, work_per_iteration);
  // parallel_for has returned: every part must be done, not merely claimed.
  EXPECT_EQ(ranges.load(), extent);
  for (int64_t i = 0; i < extent; ++i) ASSERT_EQ(visits[static_cast<size_t>(i)].load(), 1) << "iteration " << i;
}

TEST(ThreadPool, EveryIterationRunsOnceForAnyThreadCount) {
  for (int threads : {1, 2, 3, 8}) {
    ThreadPool pool(threads);
    for (int64_t extent : {1, 2, 3, 7, 64, 1000})
      expect_every_iteration_once(pool, extent, ThreadPool::kMinParallelWork);
  }
}

TEST(ThreadPool, ThousandsOfShortLoopsBackToBackAllFinish) {
  // More threads than cores: workers are descheduled mid-run, which is what
  // the claims are for; a lost or doubled part shows as a wrong count, a
  // stale part count as a hang.
  ThreadPool pool(8);
  for (int round = 0; round < 3000; ++round)
    expect_every_iteration_once(pool, 1 + round % 37, ThreadPool::kMinParallelWork);
}

TEST(ThreadPool, SmallLoopsRunOnTheCallingThread) {
  ThreadPool pool(4);
  std::vector<std::thread::id> ids(16);
  void* buffers[] = {ids.data()};
  pool.parallel_for(record_thread, buffers, 0, 16, 1);
  for (const std::thread::id& id : ids) EXPECT_EQ(id, std::this_thread::get_id());
}

TEST(ThreadPool, DestroyedRightAfterConstructionOrAJobDoesNotHang) {
  { ThreadPool idle(4); }
  ThreadPool pool(4);
  expect_every_iteration_once(pool, 100, ThreadPool::kMinParallelWork);
}

TEST(ThreadPool, RefusesANegativeThreadCount) { EXPECT_THROW(ThreadPool(-1), graphc::Error); }

}  // namespace
}  // namespace graphc::runtime::cpu
