// A directory of NVRTC results, so recompiling the model zoo after a change
// recompiles only the kernels whose source changed.
//
// Invariants:
// - An entry is found by a hash of its key, but trusted only after checking
//   everything: the format line, the full key stored in the entry (so a hash
//   collision is a miss, never a wrong cubin), every length against the
//   file's size, a checksum of the payload and the cubin's ELF magic. An
//   entry failing any check is reported as rejected and gets recompiled and
//   overwritten.
// - Entries are written to a temporary file in the same directory and
//   renamed into place, so concurrent graphc runs (a parallel zoo build)
//   see either no entry or a whole one. A crash mid-write leaves at worst a
//   stray temporary file or a torn entry, which the checks reject.
// - Only clean compiles are stored (a warning is an error), so an entry
//   holds no log.
// - The cache is an accelerator, never a dependency: a directory that cannot
//   be created or written leaves compiling as it was, only slower.
#pragma once

#include <string>

namespace graphc::codegen::cuda {

// What NVRTC made of one kernel source.
struct CudaBinary {
  std::string cubin;  // ELF image for the real architecture compiled for
  std::string ptx;    // text, without NVRTC's trailing NUL
};

enum class CacheLookup { kMiss, kHit, kRejected };

class NvrtcCache {
 public:
  // `dir` empty: a cache that holds nothing (lookups miss, stores do nothing).
  explicit NvrtcCache(std::string dir) : dir_(std::move(dir)) {}

  const std::string& dir() const { return dir_; }

  // kHit fills `binary`; kRejected means an entry was there but failed a check.
  CacheLookup lookup(const std::string& key, CudaBinary& binary) const;

  // False when the entry could not be written (the compile stands anyway).
  bool store(const std::string& key, const CudaBinary& binary) const;

  // Where `key`'s entry lives (whether or not it exists).
  std::string entry_path(const std::string& key) const;

 private:
  std::string dir_;
};

// $GRAPHC_CACHE_DIR/nvrtc when GRAPHC_CACHE_DIR is set, else
// $XDG_CACHE_HOME/graphc/nvrtc, else $HOME/.cache/graphc/nvrtc; "" (no cache)
// when none of them is set.
std::string default_nvrtc_cache_dir();

}  // namespace graphc::codegen::cuda
