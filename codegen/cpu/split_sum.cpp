// Long sums on the CPU: a loop whose body only folds values into float
// accumulators (a bias gradient, a batch-norm statistic, a loss) is one
// chain of dependent adds, four cycles each, however wide the vectors. So
// the emitter splits each accumulator into kLanes partial sums:
//
//   for i < E: s += f(i)
//   =>  p[0..kLanes) = 0
//       for j < E / kLanes: for l < kLanes (vectorised): p[l] += f(j*kLanes + l)
//       for l < E % kLanes: p[l] += f(E - E % kLanes + l)
//       s += ((p[0] + p[1]) + ...) + p[kLanes - 1]
//
// Lane l sums the iterations i = l (mod kLanes) in ascending order; kLanes is
// the same on every target, so the order, and every bit, depends on the
// kernel alone, not on the vector width or the thread count. It is not the
// IR's sequential order (the interpreter's), from which it differs by
// rounding only; the CUDA emitter has its own fixed order for long sums.
#include <algorithm>

#include "codegen/cpu/emit_helpers.h"
#include "codegen/cpu/function_emitter.h"

namespace graphc::codegen::cpu {

namespace {

constexpr int64_t kLanes = 16;
constexpr int64_t kMinExtent = 4 * kLanes;  // shorter chains are cheap enough

bool reads_any(const Expr& e, const std::vector<bool>& scalars) {
  if (e.kind == ExprKind::scalar && scalars[static_cast<size_t>(e.scalar)]) return true;
  for (const ExprPtr& o : e.operands)
    if (reads_any(*o, scalars)) return true;
  return false;
}

}  // namespace

// A sequential loop of known, long extent whose body is Lets and float sums
// only, where no accumulator is read or set otherwise, and every other
// scalar the body reads it set earlier in the same iteration.
bool FunctionEmitter::splits_sum(const Stmt& loop) const {
  if (loop.parallel || !loop.extent.is_constant() || loop.extent.constant < kMinExtent) return false;
  std::vector<bool> accumulators(kernel_.scalars.size(), false), unset(kernel_.scalars.size(), true);
  bool any = false;
  for (const Stmt& s : loop.body) {
    if (s.kind == StmtKind::accumulate) {
      if (s.combine != Combine::sum || !is_float(kernel_.scalars[static_cast<size_t>(s.scalar)])) return false;
      accumulators[static_cast<size_t>(s.scalar)] = true;
      any = true;
    } else if (s.kind != StmtKind::let) {
      return false;
    }
  }
  for (const Stmt& s : loop.body) {
    if (reads_any(*s.value, accumulators) || reads_any(*s.value, unset)) return false;
    if (s.kind == StmtKind::let) {
      if (accumulators[static_cast<size_t>(s.scalar)]) return false;
      unset[static_cast<size_t>(s.scalar)] = false;
    }
  }
  return any;
}

void FunctionEmitter::emit_split_sum(const Stmt& loop) {
  struct Accumulator {
    ScalarId scalar;
    llvm::Type* type;
    llvm::Value* slot;      // the scalar's own register slot
    llvm::Value* partials;  // kLanes of them on the stack
  };
  std::vector<Accumulator> accumulators;
  for (const Stmt& s : loop.body) {
    if (s.kind != StmtKind::accumulate ||
        std::any_of(accumulators.begin(), accumulators.end(), [&](const Accumulator& a) { return a.scalar == s.scalar; }))
      continue;
    llvm::Type* t = register_type(kernel_.scalars[static_cast<size_t>(s.scalar)]);
    llvm::Value* partials = entry_alloca(b_, t, kLanes);
    b_.CreateStore(llvm::Constant::getNullValue(llvm::FixedVectorType::get(t, kLanes)), partials);
    accumulators.push_back({s.scalar, t, scalars_[static_cast<size_t>(s.scalar)], partials});
  }
  // The body with each accumulator's slot moved to lane l of its partials.
  auto lanes_from = [&](llvm::Value* first, int64_t count) {
    counted_loop(
        b_.getInt64(static_cast<uint64_t>(count)), "sum.lane",
        [&](llvm::Value* l) {
          vars_[static_cast<size_t>(loop.var)] = b_.CreateAdd(first, l);
          for (const Accumulator& a : accumulators)
            scalars_[static_cast<size_t>(a.scalar)] = b_.CreateGEP(a.type, a.partials, l);
          emit_body(loop.body);
          for (const Accumulator& a : accumulators) scalars_[static_cast<size_t>(a.scalar)] = a.slot;
          vars_[static_cast<size_t>(loop.var)] = nullptr;
        },
        nullptr, count >= 4 ? LoopVectorize::force_rolled : LoopVectorize::as_llvm_likes);
  };
  const int64_t extent = loop.extent.constant, whole = extent / kLanes * kLanes;
  counted_loop(b_.getInt64(static_cast<uint64_t>(extent / kLanes)), "sum.chunk",
               [&](llvm::Value* j) { lanes_from(b_.CreateMul(j, b_.getInt64(kLanes)), kLanes); });
  if (extent > whole) lanes_from(b_.getInt64(static_cast<uint64_t>(whole)), extent - whole);
  for (const Accumulator& a : accumulators) {
    llvm::Value* sum = b_.CreateLoad(a.type, a.partials);
    for (int64_t l = 1; l < kLanes; ++l)
      sum = b_.CreateFAdd(sum, b_.CreateLoad(a.type, b_.CreateGEP(a.type, a.partials, b_.getInt64(l))));
    b_.CreateStore(b_.CreateFAdd(b_.CreateLoad(a.type, a.slot), sum), a.slot);
  }
}

}  // namespace graphc::codegen::cpu
