// Shared libraries opened at run time (dlopen), so a trainer executable links
// no CUDA library and still starts on a machine that has none: the CUDA
// driver and cuBLAS are looked for only when `--device cuda` asks for them.
//
// A library, once opened, stays loaded for the life of the process: nothing
// here calls dlclose. Unloading libcuda after cuInit, or cuBLAS while the
// driver still holds its kernels, is a known source of crashes at exit, and
// the loader reference-counts handles, so opening the same library again
// costs nothing and leaks nothing.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace graphc::runtime::cuda {

class DynamicLibrary {
 public:
  // The first of `candidates` (file names the loader searches for, or paths)
  // that opens. When none does, returns nullopt and appends to `failures` the
  // loader's reason for each candidate (each names its file), joined by "; ".
  static std::optional<DynamicLibrary> open_first(const std::vector<std::string>& candidates, std::string& failures);

  // The address of `name`, or nullptr when the library does not export it.
  void* symbol(const char* name) const;

  // Points `slot` (a function pointer) at `name`; false when it is missing.
  template <typename Function>
  bool resolve(const char* name, Function& slot) const {
    void* address = symbol(name);
    slot = reinterpret_cast<Function>(address);
    return address != nullptr;
  }

  // The file the loader actually opened (a full path where it can tell),
  // for messages and docs: which cuBLAS a trainer ran with matters.
  const std::string& path() const { return path_; }

 private:
  DynamicLibrary(void* handle, std::string path) : handle_(handle), path_(std::move(path)) {}
  void* handle_;
  std::string path_;
};

}  // namespace graphc::runtime::cuda
