// Targets and module plumbing: host detection, target machines, the O3
// pipeline and the object-file writer. Everything here is target-generic;
// what a kernel becomes is llvm_emitter.cpp's job.
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/MC/MCSubtargetInfo.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Support/FileSystem.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/TargetParser/Host.h>
#include <llvm/TargetParser/SubtargetFeature.h>

#include <mutex>

#include "codegen/cpu/llvm_module_impl.h"

namespace graphc::codegen::cpu {

void initialize_native_target() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    llvm::InitializeNativeTargetAsmParser();
  });
}

CpuTarget CpuTarget::host() {
  CpuTarget t;
  t.triple = llvm::sys::getProcessTriple();
  t.cpu = llvm::sys::getHostCPUName().str();
  llvm::SubtargetFeatures features;
  for (const auto& f : llvm::sys::getHostCPUFeatures()) features.AddFeature(f.first(), f.second);
  t.features = features.getString();
  return t;
}

CpuTarget CpuTarget::named(const std::string& cpu) {
  CpuTarget t;
  t.triple = llvm::sys::getProcessTriple();
  t.cpu = cpu;
  std::unique_ptr<llvm::TargetMachine> tm = make_target_machine(t);
  const llvm::MCSubtargetInfo* info = tm->getMCSubtargetInfo();
  if (!info->isCPUStringValid(cpu)) throw Error(cat("--cpu: LLVM does not know the CPU '", cpu, "'"));
  // The features the CPU implies, spelled as the host's are ("+avx2,...").
  llvm::SubtargetFeatures features;
  for (const llvm::SubtargetFeatureKV& kv : info->getAllProcessorFeatures())
    if (info->checkFeatures(std::string("+") + kv.Key)) features.AddFeature(kv.Key, true);
  t.features = features.getString();
  return t;
}

bool CpuTarget::has_feature(const std::string& feature) const {
  std::string f = "+";  // built in steps: g++ 12 misreports "lit" + string (-Wrestrict)
  f += feature;
  size_t at = features.find(f);
  while (at != std::string::npos) {
    const size_t end = at + f.size();
    if (end == features.size() || features[end] == ',') return true;
    at = features.find(f, end);
  }
  return false;
}

std::unique_ptr<llvm::TargetMachine> make_target_machine(const CpuTarget& target) {
  initialize_native_target();
  std::string error;
  const llvm::Target* t = llvm::TargetRegistry::lookupTarget(target.triple, error);
  if (t == nullptr) throw Error(cat("LLVM has no target for triple '", target.triple, "': ", error));
  llvm::TargetOptions options;
  std::unique_ptr<llvm::TargetMachine> tm(t->createTargetMachine(target.triple, target.cpu, target.features, options,
                                                                 llvm::Reloc::PIC_, std::nullopt,
                                                                 llvm::CodeGenOptLevel::Aggressive));
  if (!tm) throw Error(cat("LLVM cannot make a target machine for ", target.triple, " cpu ", target.cpu));
  return tm;
}

LlvmModule::LlvmModule(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LlvmModule::LlvmModule(LlvmModule&&) noexcept = default;
LlvmModule& LlvmModule::operator=(LlvmModule&&) noexcept = default;
LlvmModule::~LlvmModule() = default;

std::string LlvmModule::text() const {
  std::string s;
  llvm::raw_string_ostream os(s);
  impl_->module->print(os, nullptr);
  os.flush();
  return s;
}

void write_object_file(const LlvmModule& module, const std::string& path) {
  std::unique_ptr<llvm::TargetMachine> tm = make_target_machine(module.impl().target);
  std::error_code ec;
  llvm::raw_fd_ostream out(path, ec, llvm::sys::fs::OF_None);
  if (ec) throw Error(cat("cannot write object file ", path, ": ", ec.message()));
  llvm::legacy::PassManager passes;
  if (tm->addPassesToEmitFile(passes, out, nullptr, llvm::CodeGenFileType::ObjectFile))
    throw Error(cat("LLVM cannot emit an object file for ", module.impl().target.triple));
  passes.run(*module.impl().module);
  out.flush();
  if (out.has_error()) throw Error(cat("cannot write object file ", path, ": ", out.error().message()));
}

}  // namespace graphc::codegen::cpu
