// Force-included (-include) when the CUDA C that graphc emits is compiled as
// host C++ for the CUDA executor's tests, which run on machines without a
// GPU (tests/cuda_host/fake_libcuda.cpp explains the whole emulation). It
// gives the CUDA built-ins the emitted code uses their meaning for one
// block at a time on the calling thread: every GPU thread of the block is a
// fiber with its own stack (entered once with setcontext, switched with
// _setjmp/_longjmp after that, which saves the signal-mask system calls of
// swapcontext on every barrier; the module is compiled without
// _FORTIFY_SOURCE, whose longjmp check refuses a switch of stacks),
// __syncthreads switches back to the scheduler, and the block's fibers are
// resumed round-robin until all return,
// so each pass runs every thread up to its next barrier: exactly the
// barrier's meaning when every thread reaches every barrier, as the
// emitter guarantees. __shared__ arrays are statics (blocks run one after
// another, so a static is exactly one block's shared memory).
//
// This is an emulation for correctness, not speed: the emitted code runs
// with its real grid-stride loops, tiles and barriers, launch by launch.
#pragma once

#include <setjmp.h>
#include <ucontext.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

struct gc_host_dim3 {
  unsigned x = 1, y = 1, z = 1;
};

inline gc_host_dim3 threadIdx, blockIdx, blockDim, gridDim;

#define __global__
#define __device__
#define __forceinline__ inline
#define __noinline__ __attribute__((noinline))
#define __launch_bounds__(threads)
#define __shared__ static
#define __align__(bytes) __attribute__((aligned(bytes)))

// CUDA's vector types, as far as the emitted code uses them (cuda_emitter_vector.cpp).
struct alignas(16) float4 { float x, y, z, w; };
struct alignas(16) int4 { int x, y, z, w; };
struct alignas(4) uchar4 { unsigned char x, y, z, w; };

struct gc_host_fiber {
  ucontext_t context;  // the entry, used once
  jmp_buf resume;      // where it waits at a barrier
  bool started = false, done = false;
  std::unique_ptr<char[]> stack;
};

inline jmp_buf gc_host_scheduler;
// Shared by every launch (a static of gc_host_launch would be one per kernel).
inline std::vector<gc_host_fiber> gc_host_fibers;
inline gc_host_fiber* gc_host_running = nullptr;
inline void (*gc_host_entry)(void*) = nullptr;
inline void* gc_host_entry_argument = nullptr;

inline bool gc_host_synced = false;   // a thread of this launch reached __syncthreads
inline bool gc_host_direct = false;   // threads run as plain calls (no barrier may come)
inline bool gc_host_exact_tf32 = false;  // GRAPHC_HOST_TF32=exact when the launch began (wmma::__float_to_tf32)

inline void __syncthreads() {
  if (gc_host_direct) {
    std::fputs("host_kernel_shim: __syncthreads reached by one thread of a block but not by thread 0\n", stderr);
    std::abort();
  }
  gc_host_synced = true;
  if (_setjmp(gc_host_running->resume) == 0) _longjmp(gc_host_scheduler, 1);
}

inline void gc_host_fiber_main() {
  gc_host_entry(gc_host_entry_argument);
  gc_host_running->done = true;
  _longjmp(gc_host_scheduler, 1);
}

// Runs fiber t until it waits at a barrier or returns.
inline void gc_host_resume(gc_host_fiber& f, unsigned t) {
  threadIdx.x = t;
  gc_host_running = &f;
  if (_setjmp(gc_host_scheduler) != 0) return;
  if (!f.started) {
    f.started = true;
    setcontext(&f.context);
  }
  _longjmp(f.resume, 1);
}

inline float __int_as_float(int bits) {
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}
inline unsigned int __float_as_uint(float f) {
  unsigned int bits;
  std::memcpy(&bits, &f, sizeof bits);
  return bits;
}
inline double __longlong_as_double(long long bits) {
  double d;
  std::memcpy(&d, &bits, sizeof d);
  return d;
}

// Runs body() as every thread of each block of the grid, one block at a time.
// Thread 0 of a block runs first, as a fiber; when it returns without
// reaching a barrier, no thread of the block reaches one (every thread
// reaches every barrier), so the others run as plain calls, which is most
// of the launches (everything but tiled GEMMs).
template <typename Body>
void gc_host_launch(unsigned grid, unsigned block, Body body) {
  constexpr size_t kStackBytes = 128 * 1024;
  std::vector<gc_host_fiber>& fibers = gc_host_fibers;
  if (fibers.size() < block) fibers.resize(block);
  gridDim.x = grid;
  blockDim.x = block;
  const char* tf32 = std::getenv("GRAPHC_HOST_TF32");
  gc_host_exact_tf32 = tf32 != nullptr && std::strcmp(tf32, "exact") == 0;
  gc_host_entry = [](void* b) { (*static_cast<Body*>(b))(); };
  gc_host_entry_argument = &body;
  for (unsigned b = 0; b < grid; ++b) {
    blockIdx.x = b;
    for (unsigned t = 0; t < block; ++t) {
      gc_host_fiber& f = fibers[t];
      if (!f.stack) f.stack.reset(new char[kStackBytes]);
      getcontext(&f.context);
      f.context.uc_stack.ss_sp = f.stack.get();
      f.context.uc_stack.ss_size = kStackBytes;
      f.context.uc_link = nullptr;
      makecontext(&f.context, gc_host_fiber_main, 0);
      f.started = f.done = false;
    }
    gc_host_synced = false;
    gc_host_resume(fibers[0], 0);
    if (fibers[0].done && !gc_host_synced) {
      gc_host_direct = true;
      for (unsigned t = 1; t < block; ++t) {
        threadIdx.x = t;
        body();
      }
      gc_host_direct = false;
      continue;
    }
    // Thread 0 waits at its first barrier while the others catch up; then
    // every pass runs each unfinished thread to its next barrier.
    bool unfinished = true;
    for (unsigned first = 1; unfinished; first = 0) {
      unfinished = first == 1 && !fibers[0].done;
      for (unsigned t = first; t < block; ++t) {
        if (fibers[t].done) continue;
        gc_host_resume(fibers[t], t);
        unfinished = unfinished || !fibers[t].done;
      }
    }
  }
}

// The WMMA subset the implicit GEMMs use (codegen/cuda/cuda_emitter_implicit_gemm.cpp).
// A warp's collective calls give all its threads the same tiles, so here
// the warp's first thread holds and computes whole tiles (on a GPU each
// lane holds a share) and the others skip the calls: what a warp stores
// is the same.
namespace nvcuda::wmma {
inline bool gc_host_lane_works() { return threadIdx.x % 32 == 0; }
struct matrix_a {};
struct matrix_b {};
struct accumulator {};
struct row_major {};
namespace precision {
struct tf32 {};
}  // namespace precision
enum layout_t { mem_row_major, mem_col_major };

template <typename Use, int M, int N, int K, typename T, typename Layout = void>
struct fragment;
template <int M, int N, int K>
struct fragment<matrix_a, M, N, K, precision::tf32, row_major> {
  static constexpr int rows = M, cols = K, num_elements = M * K;
  float x[M * K] = {};
};
template <int M, int N, int K>
struct fragment<matrix_b, M, N, K, precision::tf32, row_major> {
  static constexpr int rows = K, cols = N, num_elements = K * N;
  float x[K * N] = {};
};
template <int M, int N, int K>
struct fragment<accumulator, M, N, K, float> {
  static constexpr int rows = M, cols = N, num_elements = M * N;
  float x[M * N] = {};
};

template <typename Fragment>
inline void load_matrix_sync(Fragment& f, const float* p, unsigned ldm) {
  if (!gc_host_lane_works()) return;
  for (int r = 0; r < Fragment::rows; ++r)
    for (int c = 0; c < Fragment::cols; ++c) f.x[r * Fragment::cols + c] = p[r * ldm + c];
}
template <int M, int N, int K>
inline void fill_fragment(fragment<accumulator, M, N, K, float>& f, float v) {
  if (!gc_host_lane_works()) return;
  for (float& e : f.x) e = v;
}
template <int M, int N, int K>
inline void mma_sync(fragment<accumulator, M, N, K, float>& d, const fragment<matrix_a, M, N, K, precision::tf32, row_major>& a,
                     const fragment<matrix_b, M, N, K, precision::tf32, row_major>& b,
                     const fragment<accumulator, M, N, K, float>& c) {
  if (!gc_host_lane_works()) return;
  float sum[M * N];
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < N; ++j) {
      float s = c.x[i * N + j];
      for (int k = 0; k < K; ++k) s += a.x[i * K + k] * b.x[k * N + j];
      sum[i * N + j] = s;
    }
  std::memcpy(d.x, sum, sizeof sum);
}
template <int M, int N, int K>
inline void store_matrix_sync(float* p, const fragment<accumulator, M, N, K, float>& f, unsigned ldm, layout_t) {
  if (!gc_host_lane_works()) return;
  for (int r = 0; r < M; ++r)
    for (int c = 0; c < N; ++c) p[r * ldm + c] = f.x[r * N + c];
}
// To the nearest TF32 (10 mantissa bits), ties to even, as the GPU rounds;
// GRAPHC_HOST_TF32=exact keeps f32, for tests of everything but the rounding.
inline float __float_to_tf32(float v) {
  if (gc_host_exact_tf32) return v;
  unsigned bits;
  std::memcpy(&bits, &v, sizeof bits);
  if ((bits & 0x7f800000u) != 0x7f800000u) bits = (bits + 0xfffu + ((bits >> 13) & 1u)) & ~0x1fffu;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}
}  // namespace nvcuda::wmma
