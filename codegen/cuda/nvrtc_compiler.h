// CUDA C to GPU code with NVRTC, when graphc runs: a cubin for the target
// architecture (what the trainer loads when the GPU matches) and PTX (what
// the driver JIT-compiles on a newer GPU), both embedded in the trainer, so
// nothing compiles CUDA C at training time.
//
// Invariants:
// - A warning is an error: generated kernels must compile cleanly, and the
//   CI test that compiles every kernel of the zoo relies on this. Any text in
//   NVRTC's log fails the compile, with the log and the kernel's name.
// - No fast math: --use_fast_math and the options it implies (flush to
//   zero, approximate division and square root) are refused, because results
//   must match the reference interpreter. FMA contraction stays on, as
//   NVRTC's default, written out so the cache key states it.
// - One NVRTC compile for sm_XX yields both the cubin and PTX for the
//   matching virtual architecture (.target sm_XX, JIT-able on newer GPUs).
// - The result depends only on (source, options, NVRTC version): that is the
//   cache key, so a cached result is the result a fresh compile would give.
#pragma once

#include <string>
#include <vector>

#include "codegen/cuda/nvrtc_cache.h"

namespace graphc::codegen::cuda {

struct NvrtcOptions {
  // A real architecture ("sm_90", "sm_100a"): NVRTC makes a cubin only for those.
  std::string arch = "sm_90";
  // Searched by #include; cuda_toolkit_include_dir() for the toolkit's own
  // headers (cuda_fp16.h and the like). Generated kernels need none.
  std::vector<std::string> include_dirs;
  // More NVRTC options, e.g. "-lineinfo", "-DTILE=32", "--maxrregcount=64".
  std::vector<std::string> extra;
};

// The exact NVRTC options for `options`, in order. Throws graphc::Error for
// an arch that is not a real architecture or an option that enables fast math.
std::vector<std::string> nvrtc_command_line(const NvrtcOptions& options);

// The NVRTC in use, for cache keys and --version: "13.0", the library's path,
// size and modification time (a patch release changes the file, not 13.0).
std::string nvrtc_identity();

// The CUDA toolkit's include directory found when graphc was built.
std::string cuda_toolkit_include_dir();

// Compiles `source` with no cache. `name` names it in diagnostics ("k12.cu").
// Throws graphc::Error with the name, the arch and NVRTC's log on an error
// or a warning.
CudaBinary compile_with_nvrtc(const std::string& name, const std::string& source, const NvrtcOptions& options);

// compile_with_nvrtc behind an NvrtcCache, counting what the cache did.
// One per thread: the counters are plain; the cache directory itself is safe
// to share between threads and processes.
class NvrtcCompiler {
 public:
  struct Stats {
    int compiled = 0;  // NVRTC runs (cache misses and rejections)
    int cache_hits = 0;
    int cache_rejected = 0;  // entries found but failing validation
    int store_failures = 0;  // results that could not be cached
  };

  explicit NvrtcCompiler(NvrtcCache cache = NvrtcCache(default_nvrtc_cache_dir())) : cache_(std::move(cache)) {}

  CudaBinary compile(const std::string& name, const std::string& source, const NvrtcOptions& options);

  const Stats& stats() const { return stats_; }
  const NvrtcCache& cache() const { return cache_; }

  // The cache key of a compile: every input that decides its output. Headers
  // found through include_dirs count by path, not content: they are meant to
  // be an installation's (the toolkit's), which changes with NVRTC.
  static std::string cache_key(const std::string& source, const NvrtcOptions& options);

 private:
  NvrtcCache cache_;
  Stats stats_;
};

}  // namespace graphc::codegen::cuda
