// The thread pool compiled kernels split their parallel loops across, behind
// the graphc_cpu_runtime of kernel_abi.h. A loop over [0, extent) is cut into
// one contiguous range per thread, which keeps each thread on its own slab
// of memory. Results never depend on the split: kernels only hand over loops
// whose iterations are independent, so the same program gives bit-identical
// results with any thread count.
//
// The caller and the workers claim the ranges one at a time, so the caller
// runs every range no worker has claimed by the time it finishes its own.
// On a machine whose cores are also busy with other threads (the trainer's
// data loader takes one of two cores in bursts), a descheduled worker then
// costs a loop at most its own range instead of stalling it until the
// worker runs again.
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
  void worker();
  // Claims and runs parts, starting from `seen` (a claim_ word), until the
  // word shows no unclaimed part: of this job, or of a newer one published
  // meanwhile, which it takes parts of too.
  void run_claimed_parts(uint64_t seen);
  void run_part(int part);

  int threads_;
  graphc_cpu_runtime runtime_;
  std::vector<std::thread> workers_;
  Job job_;  // written only while no part of the previous job is unfinished
  // One word says everything a claim needs: the job counter (bits 32-63),
  // the job's part count (16-31) and its next unclaimed part (0-15). A
  // thread reads job_ only after claiming a part by compare-and-swap on this
  // word, and the caller rewrites job_ only after every part has finished,
  // so a claim always reads the job it claimed from; a thread holding an
  // older word fails its swap.
  static constexpr int kJobShift = 32, kPartsShift = 16;
  std::atomic<uint64_t> claim_{0};
  std::atomic<int> finished_{0};  // parts of the current job that have run
  std::atomic<bool> stop_{false};
};

// Cores this process may run on.
int available_cores();

}  // namespace graphc::runtime::cpu
