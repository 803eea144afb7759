// Kernel IR -> one LLVM function. A direct translation: loops become counted
// loops, scalars become stack slots (promoted to registers by mem2reg),
// expressions become instructions with the interpreter's semantics (NaN
// propagating max/min/relu, C truncation for float -> int). No fast-math
// flags: LLVM may not reassociate sums, so every reduction keeps the IR's
// sequential order and the results are deterministic.
//
// Threads: a kernel's entry function hands each top-level parallel loop to
// the runtime's parallel_for as a task function outlined from the loop body
// (see runtime/cpu/kernel_abi.h). Inside a task, parallel loops run serially.
// Special forms that want their own split (Gemm) call parallel().
//
// Shared by llvm_emitter.cpp (the module driver) and the special-form
// emitters (emit_gemm.cpp), which are members of this class.
#pragma once

#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Intrinsics.h>
#include <llvm/IR/Module.h>

#include <functional>
#include <string>
#include <vector>

#include "codegen/cpu/llvm_module.h"
#include "codegen/kernel_ir.h"
#include "ir/error.h"

namespace graphc::codegen::cpu {

class FunctionEmitter {
 public:
  // The kernel's entry point, `void kernel.name(buffers, n, rt)`.
  static void emit_kernel(llvm::Module& module, const Kernel& kernel, const CpuTarget& target);

  // ---- the building blocks special forms use ----
  llvm::IRBuilder<>& builder() { return b_; }
  llvm::LLVMContext& context() { return ctx_; }
  const Kernel& kernel() const { return kernel_; }
  const CpuTarget& target() const { return target_; }
  llvm::Type* memory_type(DType t);
  llvm::Type* register_type(DType t);
  llvm::Value* size(const SizeExpr& s);
  llvm::Value* buffer_pointer(BufferId buffer) { return buffers_[static_cast<size_t>(buffer)]; }
  llvm::Value* element_ptr(BufferId buffer, llvm::Value* idx);
  llvm::Value* load(BufferId buffer, llvm::Value* idx);
  void store(BufferId buffer, llvm::Value* idx, llvm::Value* v);
  // for (i = begin; i < end; ++i) body(i); begin defaults to 0.
  // vectorize: how hard to vectorise (LoopVectorize below); the caller has
  // checked that the iterations are independent.
  enum class LoopVectorize {
    as_llvm_likes,
    force,         // worth it even when short (LLVM's loop hint)
    force_rolled,  // and kept rolled until the vectoriser sees it (no full unroll first)
  };
  // width > 0 (with a forced vectorize) fixes the vector width.
  void counted_loop(llvm::Value* end, const std::string& name, const std::function<void(llvm::Value*)>& body,
                    llvm::Value* begin = nullptr, LoopVectorize vectorize = LoopVectorize::as_llvm_likes,
                    int width = 0);
  // Runs body(emitter, begin, end) over [0, extent), split across threads
  // when this is the entry function (body is then emitted into an outlined
  // task, whose emitter it receives), as one range otherwise. The body may
  // use only what it can recompute from the buffers and n.
  using RangeBody = std::function<void(FunctionEmitter&, llvm::Value* begin, llvm::Value* end)>;
  void parallel(llvm::Value* extent, llvm::Value* work_per_iteration, const RangeBody& body);

 private:
  enum class Role { entry, task };
  FunctionEmitter(llvm::Module& module, const Kernel& kernel, const CpuTarget& target, Role role,
                  const std::string& name);
  void prologue();  // loads the buffer pointers, makes the scalar slots

  llvm::Value* to_bool(llvm::Value* v, DType from);
  llvm::Value* convert(llvm::Value* v, DType from, DType to);
  llvm::Value* index(const AffineIndex& ix);
  llvm::Value* call_libm(const char* f32_name, const char* f64_name, llvm::Value* x);
  llvm::Value* nan_pick(llvm::Value* a, llvm::Value* b, bool larger);
  llvm::Value* compare(OpKind op, llvm::Value* a, llvm::Value* b, DType operand_type);
  llvm::Value* op(const Expr& e);
  llvm::Value* constant(double value, DType t);
  llvm::Value* expr(const Expr& e);
  llvm::Value* philox(const Expr& e);  // ExprKind::philox: runtime/philox.h in i32 arithmetic

  void emit_body(const std::vector<Stmt>& body);
  void emit_stmt(const Stmt& s);
  void emit_loop(const Stmt& s);
  void emit_accumulate(const Stmt& s);
  void emit_if(const Stmt& s);  // a branch around the body: the vectoriser if-converts it (masked loads)
  void emit_gemm(const Gemm& g);  // emit_gemm.cpp
  // The vector width at which loop `s` runs its remainder as a last,
  // overlapping vector (see function_emitter.cpp), or 0.
  int overlapped_tail_width(const Stmt& s, LoopVectorize vectorize) const;
  // A long sum in lanes (split_sum.cpp): whether this loop is one, and its emission.
  bool splits_sum(const Stmt& loop) const;
  void emit_split_sum(const Stmt& loop);
  // A rough operation count of one execution of `body`, for parallel_for.
  llvm::Value* work(const std::vector<Stmt>& body);

  llvm::Module& module_;
  llvm::LLVMContext& ctx_;
  llvm::IRBuilder<> b_;
  const Kernel& kernel_;
  const CpuTarget& target_;
  Role role_;
  llvm::Function* fn_ = nullptr;
  llvm::Value* n_ = nullptr;
  llvm::Value* rt_ = nullptr;  // entry only
  std::vector<llvm::Value*> buffers_;
  std::vector<llvm::Value*> scalars_;
  std::vector<llvm::Value*> vars_;
};

}  // namespace graphc::codegen::cpu
