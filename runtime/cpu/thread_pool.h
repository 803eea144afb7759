// The thread pool compiled kernels split their parallel loops across, behind
// the graphc_cpu_runtime of kernel_abi.h. A loop over [0, extent) is cut into
// one contiguous range per thread (the caller takes the first), which keeps
// each thread on its own slab of memory. Results never depend on the split:
// kernels only hand over loops whose iterations are independent, so the same
// program gives bit-identical results with any thread count.
//
// Workers spin briefly and then sleep on an atomic between loops: a training
// step issues hundreds of short loops back to back, and waking a sleeping
// thread costs more than many of them take.
#pragma once

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "runtime/cpu/kernel_abi.h"

namespace graphc::runtime::cpu {

class ThreadPool {
 public:
  // threads counts the caller: 1 runs everything inline. 0 means all cores.
  explicit ThreadPool(int threads = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int threads() const { return threads_; }
  // What kernels receive; valid while the pool lives.
  const graphc_cpu_runtime* runtime() const { return &runtime_; }

  void parallel_for(graphc_task_fn task, void* const* buffers, int64_t n, int64_t extent, int64_t work_per_iteration);

  // Loops with less total work than this (in the kernels' rough operation
  // counts) run on the calling thread: handing a range to another core
  // costs microseconds, and far more when that core is busy elsewhere.
  static constexpr int64_t kMinParallelWork = 1 << 18;
  static constexpr int kMaxThreads = 256;

 private:
  struct Job {
    graphc_task_fn task = nullptr;
    void* const* buffers = nullptr;
    int64_t n = 0, extent = 0;
    int parts = 0;
  };
  void worker(int index);
  static void run_part(const Job& job, int part);

  int threads_;
  graphc_cpu_runtime runtime_;
  std::vector<std::thread> workers_;
  Job job_;
  // Published with each job: a job counter above kPartsBits, the job's part
  // count below, so a worker knows whether it takes part without job_.
  static constexpr int kPartsBits = 16;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};          // workers still running the current job
  std::atomic<bool> stop_{false};
};

// Cores this process may run on.
int available_cores();

}  // namespace graphc::runtime::cpu
