// What an LlvmModule holds, and the shared LLVM plumbing (target machines,
// error checks). Included only by codegen/cpu/*.cpp: LLVM headers never
// reach another layer.
#pragma once

#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/Support/Error.h>
#include <llvm/Target/TargetMachine.h>

#include <memory>
#include <type_traits>

#include "codegen/cpu/llvm_module.h"
#include "ir/error.h"

namespace graphc::codegen::cpu {

struct LlvmModule::Impl {
  std::unique_ptr<llvm::LLVMContext> context;
  std::unique_ptr<llvm::Module> module;
  CpuTarget target;
};

// Registers the native target with LLVM once per process.
void initialize_native_target();
// A target machine for `target` (PIC, aggressive codegen). Throws graphc::Error
// with LLVM's reason when the triple or CPU is unknown.
std::unique_ptr<llvm::TargetMachine> make_target_machine(const CpuTarget& target);

// LLVM's Expected/Error to graphc::Error, with what was being done.
template <typename T>
T check_llvm(llvm::Expected<T> value, const char* doing) {
  if (!value) throw Error(cat("LLVM: ", doing, ": ", llvm::toString(value.takeError())));
  if constexpr (std::is_reference_v<T>)
    return *value;
  else
    return std::move(*value);
}
inline void check_llvm(llvm::Error err, const char* doing) {
  if (err) throw Error(cat("LLVM: ", doing, ": ", llvm::toString(std::move(err))));
}

}  // namespace graphc::codegen::cpu
