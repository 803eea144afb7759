// The module driver: every kernel through FunctionEmitter, the kernel table
// the executor looks kernels up in (kernel_abi.h), verification and LLVM's O3
// pipeline for the target CPU, which vectorises the unit-stride inner loops.
#include <llvm/Analysis/CGSCCPassManager.h>
#include <llvm/Analysis/LoopAnalysisManager.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/raw_ostream.h>

#include "codegen/cpu/function_emitter.h"
#include "codegen/cpu/llvm_module_impl.h"

namespace graphc::codegen::cpu {

namespace {

void optimize_module(llvm::Module& module, llvm::TargetMachine& tm) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PassBuilder pb(&tm);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::ModulePassManager passes = pb.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O3);
  passes.run(module, mam);
}

// graphc_kernel_table: {name, entry} per kernel, then {null, null}.
void emit_kernel_table(llvm::Module& module, const std::vector<Kernel>& kernels) {
  llvm::LLVMContext& ctx = module.getContext();
  llvm::Type* ptr = llvm::PointerType::getUnqual(ctx);
  auto* entry_type = llvm::StructType::get(ctx, {ptr, ptr});
  std::vector<llvm::Constant*> entries;
  for (const Kernel& k : kernels) {
    llvm::Constant* name = llvm::ConstantDataArray::getString(ctx, k.name);
    auto* name_global = new llvm::GlobalVariable(module, name->getType(), true, llvm::GlobalValue::PrivateLinkage,
                                                 name, k.name + ".name");
    entries.push_back(llvm::ConstantStruct::get(entry_type, {name_global, module.getFunction(k.name)}));
  }
  entries.push_back(llvm::ConstantStruct::get(entry_type, {llvm::ConstantPointerNull::get(llvm::PointerType::getUnqual(ctx)),
                                                           llvm::ConstantPointerNull::get(llvm::PointerType::getUnqual(ctx))}));
  auto* table_type = llvm::ArrayType::get(entry_type, entries.size());
  new llvm::GlobalVariable(module, table_type, true, llvm::GlobalValue::ExternalLinkage,
                           llvm::ConstantArray::get(table_type, entries), kKernelTableSymbol);
}

}  // namespace

LlvmModule emit_module(const std::vector<Kernel>& kernels, const std::string& module_name, const CpuTarget& target,
                       bool optimize) {
  auto impl = std::make_unique<LlvmModule::Impl>();
  impl->context = std::make_unique<llvm::LLVMContext>();
  impl->module = std::make_unique<llvm::Module>(module_name, *impl->context);
  impl->target = target;
  std::unique_ptr<llvm::TargetMachine> tm = make_target_machine(target);
  impl->module->setTargetTriple(target.triple);
  impl->module->setDataLayout(tm->createDataLayout());
  for (const Kernel& k : kernels) {
    GRAPHC_ASSERT(impl->module->getFunction(k.name) == nullptr, "two kernels named ", k.name);
    FunctionEmitter::emit_kernel(*impl->module, k, target);
  }
  emit_kernel_table(*impl->module, kernels);
  std::string problems;
  llvm::raw_string_ostream os(problems);
  GRAPHC_ASSERT(!llvm::verifyModule(*impl->module, &os), "emitted LLVM IR does not verify: ", os.str());
  if (optimize) optimize_module(*impl->module, *tm);
  return LlvmModule(std::move(impl));
}

std::string emit_llvm_text(const std::vector<Kernel>& kernels, const std::string& module_name,
                           const CpuTarget& target) {
  return emit_module(kernels, module_name, target).text();
}

}  // namespace graphc::codegen::cpu
