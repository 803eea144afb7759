// Small IRBuilder idioms the special-form emitters (the packed GEMM, the
// direct convolutions) share, so that each says what it computes and not
// how a stack slot or a branch is made.
#pragma once

#include <llvm/IR/IRBuilder.h>

#include <cstdint>
#include <functional>
#include <vector>

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

// The transpose of `rows`, L vectors of L lanes (L a power of two): out[c]
// holds lane c of every row, out[c][r] = rows[r][c]. Each of log2(L) rounds
// swaps one bit of the row index with the same bit of the lane index, by
// two-input shuffles.
inline std::vector<llvm::Value*> transpose_square(llvm::IRBuilder<>& b, std::vector<llvm::Value*> rows) {
  const int lanes = static_cast<int>(rows.size());
  for (int bit = 1; bit < lanes; bit <<= 1) {
    std::vector<int> low(static_cast<size_t>(lanes)), high(static_cast<size_t>(lanes));
    for (int c = 0; c < lanes; ++c) {
      low[static_cast<size_t>(c)] = (c & bit) == 0 ? c : lanes + c - bit;
      high[static_cast<size_t>(c)] = (c & bit) != 0 ? lanes + c : c + bit;
    }
    for (int i = 0; i < lanes; ++i) {
      if ((i & bit) != 0) continue;
      llvm::Value* x = rows[static_cast<size_t>(i)];
      llvm::Value* y = rows[static_cast<size_t>(i | bit)];
      rows[static_cast<size_t>(i)] = b.CreateShuffleVector(x, y, low);
      rows[static_cast<size_t>(i | bit)] = b.CreateShuffleVector(x, y, high);
    }
  }
  return rows;
}

// Ordered sums across lanes: partials[o] holds output o's partial sums, a
// vector of L lanes each, in lane order (lane l of partials[o][v] is partial
// v*L + l). Returns a vector per L outputs whose lane i is output L*q + i's
// ((0 + partial 0) + partial 1) + ..., the bits of a scalar sum in that
// order: transposing L outputs' vectors puts partial l of each in one
// vector, so a vector add per partial serves them all. Outputs past the
// last are zero lanes.
inline std::vector<llvm::Value*> ordered_lane_sums(llvm::IRBuilder<>& b,
                                                   const std::vector<std::vector<llvm::Value*>>& partials) {
  std::vector<llvm::Value*> sums;
  if (partials.empty()) return sums;
  auto* vt = llvm::cast<llvm::FixedVectorType>(partials.front().front()->getType());
  const size_t lanes = vt->getNumElements(), vectors = partials.front().size();
  llvm::Value* zero = llvm::Constant::getNullValue(vt);
  for (size_t first = 0; first < partials.size(); first += lanes) {
    llvm::Value* sum = zero;
    for (size_t v = 0; v < vectors; ++v) {
      std::vector<llvm::Value*> rows;
      for (size_t o = first; o < first + lanes; ++o) rows.push_back(o < partials.size() ? partials[o][v] : zero);
      // No fast-math flags: the adds stay in lane order.
      for (llvm::Value* lane : transpose_square(b, std::move(rows))) sum = b.CreateFAdd(sum, lane);
    }
    sums.push_back(sum);
  }
  return sums;
}

}  // namespace graphc::codegen::cpu
