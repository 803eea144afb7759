// The calling convention between compiled CPU kernels and the runtime that
// runs them. Plain C types: the emitter (codegen/cpu) produces functions of
// these types into an object file, the trainer links that object, and the
// executor (runtime/cpu) calls them, so neither side depends on the other.
//
// A kernel is
//   void kernel(void* const* buffers, int64_t n, const graphc_cpu_runtime* rt)
// buffers[i] points at the first element of the kernel's i-th buffer, n is
// the run-time batch size. A kernel splits its independent outer loops across
// threads by calling rt->parallel_for with a task that runs iterations
// [begin, end); the task recomputes everything it needs from (buffers, n), so
// tasks carry no other state. Which thread runs which range never changes a
// result: every iteration's arithmetic is fixed by the kernel alone.
#pragma once

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef void (*graphc_task_fn)(void* const* buffers, int64_t n, int64_t begin, int64_t end);

typedef struct graphc_cpu_runtime graphc_cpu_runtime;
struct graphc_cpu_runtime {
  // Runs task over [0, extent) split into disjoint ranges, possibly on several
  // threads, and returns when all have finished. work_per_iteration is a
  // rough count of operations per iteration, so that small loops stay on the
  // calling thread.
  void (*parallel_for)(const graphc_cpu_runtime* rt, graphc_task_fn task, void* const* buffers, int64_t n,
                       int64_t extent, int64_t work_per_iteration);
  void* pool;  // the runtime's own state
};

typedef void (*graphc_kernel_fn)(void* const* buffers, int64_t n, const graphc_cpu_runtime* rt);

// What an emitted object file exports besides the kernels: a table from
// kernel name to entry point, so the executor finds kernels by the names the
// compiled plan records.
typedef struct graphc_kernel_entry {
  const char* name;
  graphc_kernel_fn fn;
} graphc_kernel_entry;

#ifdef __cplusplus
}
#endif
