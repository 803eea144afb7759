// An in-process JIT for emitted modules, on LLVM's ORC LLJIT: tests run the
// exact module the AOT path would write as an object file, without a link
// step. Each added module gets its own symbol namespace, so modules may
// reuse kernel names.
#pragma once

#include <memory>
#include <string>

#include "codegen/cpu/llvm_module.h"

namespace graphc::codegen::cpu {

class CpuJit;

// The kernels of one module added to a CpuJit (valid while the CpuJit lives).
class JitModule {
 public:
  // The entry point of kernel `name`; throws graphc::Error if there is none.
  KernelFn lookup(const std::string& name) const;

 private:
  friend class CpuJit;
  JitModule(CpuJit* jit, void* dylib) : jit_(jit), dylib_(dylib) {}
  CpuJit* jit_;
  void* dylib_;  // the module's llvm::orc::JITDylib
};

class CpuJit {
 public:
  CpuJit();  // for the host CPU
  ~CpuJit();
  CpuJit(const CpuJit&) = delete;
  CpuJit& operator=(const CpuJit&) = delete;

  // Takes the module; its code is compiled on the first lookup.
  JitModule add(LlvmModule module);

 private:
  friend class JitModule;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace graphc::codegen::cpu
