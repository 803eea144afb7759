// Small IRBuilder idioms the special-form emitters (the packed GEMM, the
// direct convolutions) share, so that each says what it computes and not
// how a stack slot or a branch is made.
#pragma once

#include <llvm/IR/IRBuilder.h>

#include <cstdint>
#include <functional>

namespace graphc::codegen::cpu {

// `count` elements of `type` on the stack, made in the function's entry
// block (so mem2reg and SROA can promote them, and a loop does not grow the
// stack), 64-byte aligned for full-width vector access.
inline llvm::AllocaInst* entry_alloca(llvm::IRBuilder<>& b, llvm::Type* type, int64_t count = 1) {
  llvm::BasicBlock& entry = b.GetInsertBlock()->getParent()->getEntryBlock();
  llvm::IRBuilder<> at_entry(&entry, entry.begin());
  llvm::AllocaInst* slot = at_entry.CreateAlloca(type, at_entry.getInt64(static_cast<uint64_t>(count)));
  slot->setAlignment(llvm::Align(64));
  return slot;
}

// if (condition) then_body(); else else_body(); the builder continues after
// the join. An empty else_body branches straight to the join.
inline void emit_if_then_else(llvm::IRBuilder<>& b, llvm::Value* condition, const char* name,
                              const std::function<void()>& then_body, const std::function<void()>& else_body) {
  llvm::Function* fn = b.GetInsertBlock()->getParent();
  llvm::LLVMContext& ctx = b.getContext();
  auto* then_block = llvm::BasicBlock::Create(ctx, llvm::Twine(name) + ".then", fn);
  auto* join = llvm::BasicBlock::Create(ctx, llvm::Twine(name) + ".join", fn);
  auto* else_block = else_body ? llvm::BasicBlock::Create(ctx, llvm::Twine(name) + ".else", fn, join) : join;
  b.CreateCondBr(condition, then_block, else_block);
  b.SetInsertPoint(then_block);
  then_body();
  b.CreateBr(join);
  if (else_body) {
    b.SetInsertPoint(else_block);
    else_body();
    b.CreateBr(join);
  }
  b.SetInsertPoint(join);
}

// if (condition) body(); the builder continues after the join.
inline void emit_if_then(llvm::IRBuilder<>& b, llvm::Value* condition, const char* name,
                         const std::function<void()>& body) {
  emit_if_then_else(b, condition, name, body, {});
}

}  // namespace graphc::codegen::cpu
