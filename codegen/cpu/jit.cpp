// ORC LLJIT behind CpuJit. Math functions the kernels call (tanhf, expf when
// not inlined) resolve against this process, as they would against libm
// when the object file is linked into a trainer.
#include "codegen/cpu/jit.h"

#include <llvm/ExecutionEngine/Orc/ExecutionUtils.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/ExecutionEngine/Orc/ThreadSafeModule.h>

#include "codegen/cpu/llvm_module_impl.h"

namespace graphc::codegen::cpu {

struct CpuJit::Impl {
  std::unique_ptr<llvm::orc::LLJIT> jit;
  int modules = 0;
};

CpuJit::CpuJit() : impl_(std::make_unique<Impl>()) {
  initialize_native_target();
  const CpuTarget host = CpuTarget::host();
  llvm::orc::JITTargetMachineBuilder machine{llvm::Triple(host.triple)};
  machine.setCPU(host.cpu);
  machine.addFeatures(std::vector<std::string>{host.features});
  machine.setCodeGenOptLevel(llvm::CodeGenOptLevel::Aggressive);
  impl_->jit = check_llvm(llvm::orc::LLJITBuilder().setJITTargetMachineBuilder(std::move(machine)).create(),
                          "creating the JIT");
}

CpuJit::~CpuJit() = default;

JitModule CpuJit::add(LlvmModule module) {
  llvm::orc::LLJIT& jit = *impl_->jit;
  llvm::orc::JITDylib& dylib =
      check_llvm(jit.createJITDylib("module" + std::to_string(impl_->modules++)), "creating a JIT library");
  dylib.addGenerator(check_llvm(llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(
                                    jit.getDataLayout().getGlobalPrefix()),
                                "exposing this process's symbols to the JIT"));
  LlvmModule::Impl& m = module.impl();
  check_llvm(jit.addIRModule(dylib, llvm::orc::ThreadSafeModule(std::move(m.module), std::move(m.context))),
             "adding a module to the JIT");
  return JitModule(this, &dylib);
}

KernelFn JitModule::lookup(const std::string& name) const {
  auto& dylib = *static_cast<llvm::orc::JITDylib*>(dylib_);
  llvm::orc::ExecutorAddr address = check_llvm(jit_->impl_->jit->lookup(dylib, name), "looking up a kernel");
  return address.toPtr<KernelFn>();
}

}  // namespace graphc::codegen::cpu
