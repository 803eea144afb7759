// The CPU backend's public face: kernels become one LLVM module, optimised
// for a target CPU, which can be printed (`graphc --emit-llvm`), written as an
// object file (AOT) or handed to the JIT (tests). LLVM types stay behind an
// opaque handle so that no other layer compiles against LLVM headers.
//
// Kernel ABI (runtime/cpu/kernel_abi.h): every Kernel `k` becomes an
// external function
//   void k.name(void* const* buffers, int64_t n, const graphc_cpu_runtime* rt)
// where buffers[i] points at the first element of k.buffers[i] (row-major,
// element type k.buffers[i].dtype, booleans one byte each), n is the
// run-time batch size and rt the thread pool its parallel loops go to.
// Kernels do not allocate; scratch buffers are the caller's. The module also
// exports kKernelTableSymbol, a graphc_kernel_entry array ending in a null
// entry, so a linked object is found by kernel name.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "codegen/kernel_ir.h"
#include "runtime/cpu/kernel_abi.h"

namespace graphc::codegen::cpu {

using KernelFn = graphc_kernel_fn;
inline constexpr const char* kKernelTableSymbol = "graphc_kernel_table";

// Which machine the code is for. host() detects this machine's CPU and
// features (AVX-512 where present, AVX2 otherwise, ...).
struct CpuTarget {
  std::string triple;
  std::string cpu;
  std::string features;  // "+avx2,+fma,..."
  static CpuTarget host();
  // The named LLVM CPU ("x86-64-v3", "skylake-avx512", ...) on this host's
  // triple, with the features LLVM knows it has. Throws graphc::Error for a
  // name LLVM does not know.
  static CpuTarget named(const std::string& cpu);
  // Whether `features` enables this one ("avx512f").
  bool has_feature(const std::string& feature) const;
  // f32 values per vector register: 16 with AVX-512, 8 with AVX, else 4.
  int64_t f32_lanes() const { return has_feature("avx512f") ? 16 : has_feature("avx") ? 8 : 4; }
};

// An LLVM module with its own context.
class LlvmModule {
 public:
  struct Impl;  // defined in llvm_module_impl.h, inside codegen/cpu only
  explicit LlvmModule(std::unique_ptr<Impl> impl);
  LlvmModule(LlvmModule&&) noexcept;
  LlvmModule& operator=(LlvmModule&&) noexcept;
  ~LlvmModule();

  std::string text() const;  // the textual IR
  Impl& impl() { return *impl_; }
  const Impl& impl() const { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

// Emits every kernel into one module, verifies it and (unless optimize is
// false) runs LLVM's O3 pipeline for the target.
LlvmModule emit_module(const std::vector<Kernel>& kernels, const std::string& module_name,
                       const CpuTarget& target = CpuTarget::host(), bool optimize = true);

// The optimised module as text, for `graphc --emit-llvm`.
std::string emit_llvm_text(const std::vector<Kernel>& kernels, const std::string& module_name,
                           const CpuTarget& target = CpuTarget::host());

// Writes the module as a relocatable object file for the trainer to link.
// Throws graphc::Error naming the path when it cannot be written.
void write_object_file(const LlvmModule& module, const std::string& path);

}  // namespace graphc::codegen::cpu
