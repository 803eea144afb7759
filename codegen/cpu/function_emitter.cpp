// Kernel IR -> LLVM IR for one function (see function_emitter.h).
#include "codegen/cpu/function_emitter.h"

#include <algorithm>
#include <cstddef>

#include "runtime/cpu/kernel_abi.h"

namespace graphc::codegen::cpu {

namespace {
std::string loop_name(VarId var) {
  std::string name = "i";  // built in steps: g++ 12 misreports "i" + string (-Wrestrict)
  name += std::to_string(var);
  return name;
}
}  // namespace

FunctionEmitter::FunctionEmitter(llvm::Module& module, const Kernel& kernel, const CpuTarget& target, Role role,
                                 const std::string& name)
    : module_(module), ctx_(module.getContext()), b_(ctx_), kernel_(kernel), target_(target), role_(role) {
  llvm::Type* ptr = llvm::PointerType::getUnqual(ctx_);
  llvm::Type* i64 = b_.getInt64Ty();
  // entry: (buffers, n, rt); task: (buffers, n, begin, end)
  std::vector<llvm::Type*> params = {ptr, i64};
  if (role == Role::entry)
    params.push_back(ptr);
  else
    params.insert(params.end(), {i64, i64});
  auto* type = llvm::FunctionType::get(b_.getVoidTy(), params, false);
  const auto linkage = role == Role::entry ? llvm::Function::ExternalLinkage : llvm::Function::InternalLinkage;
  fn_ = llvm::Function::Create(type, linkage, name, module);
  fn_->addFnAttr(llvm::Attribute::NoUnwind);
  fn_->addFnAttr("target-cpu", target.cpu);
  fn_->addFnAttr("target-features", target.features);
  fn_->getArg(0)->setName("buffers");
  fn_->getArg(1)->setName("n");
  n_ = fn_->getArg(1);
  if (role == Role::entry) {
    fn_->getArg(2)->setName("rt");
    rt_ = fn_->getArg(2);
  } else {
    fn_->getArg(2)->setName("begin");
    fn_->getArg(3)->setName("end");
  }
  b_.SetInsertPoint(llvm::BasicBlock::Create(ctx_, "entry", fn_));
  prologue();
}

void FunctionEmitter::prologue() {
  for (size_t i = 0; i < kernel_.buffers.size(); ++i) {
    llvm::Value* slot = b_.CreateConstInBoundsGEP1_64(b_.getPtrTy(), fn_->getArg(0), i);
    buffers_.push_back(b_.CreateLoad(b_.getPtrTy(), slot, kernel_.buffers[i].name));
  }
  for (DType t : kernel_.scalars) scalars_.push_back(b_.CreateAlloca(register_type(t)));
  vars_.assign(static_cast<size_t>(kernel_.loop_vars), nullptr);
}

void FunctionEmitter::emit_kernel(llvm::Module& module, const Kernel& kernel, const CpuTarget& target) {
  FunctionEmitter entry(module, kernel, target, Role::entry, kernel.name);
  entry.emit_body(kernel.body);
  entry.b_.CreateRetVoid();
}

void FunctionEmitter::parallel(llvm::Value* extent, llvm::Value* work_per_iteration, const RangeBody& body) {
  // Only the entry function, outside every loop, can hand work to the pool:
  // a task sees nothing but the buffers and n.
  const bool outside_loops = std::all_of(vars_.begin(), vars_.end(), [](llvm::Value* v) { return v == nullptr; });
  if (role_ != Role::entry || !outside_loops) {
    body(*this, b_.getInt64(0), extent);
    return;
  }
  std::string name = kernel_.name;  // built in steps: g++ 12 misreports string + literal (-Wrestrict)
  name += ".task";
  name += std::to_string(module_.getFunctionList().size());
  FunctionEmitter task(module_, kernel_, target_, Role::task, name);
  body(task, task.fn_->getArg(2), task.fn_->getArg(3));
  task.b_.CreateRetVoid();

  // rt->parallel_for(rt, task, buffers, n, extent, work)
  llvm::Type* ptr = b_.getPtrTy();
  llvm::Type* i64 = b_.getInt64Ty();
  auto* parallel_for_type = llvm::FunctionType::get(b_.getVoidTy(), {ptr, ptr, ptr, i64, i64, i64}, false);
  static_assert(offsetof(graphc_cpu_runtime, parallel_for) == 0, "parallel_for is the runtime's first field");
  llvm::Value* parallel_for = b_.CreateLoad(ptr, rt_, "parallel_for");
  b_.CreateCall(parallel_for_type, parallel_for, {rt_, task.fn_, fn_->getArg(0), n_, extent, work_per_iteration});
}

namespace {

// Whether an expression reads a scalar not yet assigned in this iteration.
bool reads_carried(const Expr& e, const std::vector<bool>& assigned) {
  if (e.kind == ExprKind::scalar && !assigned[static_cast<size_t>(e.scalar)]) return true;
  for (const ExprPtr& o : e.operands)
    if (reads_carried(*o, assigned)) return true;
  return false;
}

// Whether no value flows from one iteration of a loop with this body to the
// next: every scalar the body reads or folds into was assigned earlier in the
// same iteration. Then forcing vectorisation cannot reorder arithmetic: a
// forced hint lets LLVM reassociate a reduction carried across iterations,
// which the IR's fixed summation order forbids, but a register reset by each
// iteration (a pool's window maximum, a gather's sum of shares) keeps its
// order in every lane. Inner loops qualify when their bodies do (small tap
// loops, which LLVM unrolls fully before it vectorises); a Let inside a loop
// that may run zero times, or inside an if, assigns nothing for what follows.
bool iterations_independent(const std::vector<Stmt>& body, std::vector<bool>& assigned) {
  for (const Stmt& s : body) {
    switch (s.kind) {
      case StmtKind::gemm: return false;
      case StmtKind::loop: {
        const bool runs = s.extent.is_constant() && s.extent.constant > 0;
        std::vector<bool> inner = assigned;
        if (!iterations_independent(s.body, runs ? assigned : inner)) return false;
        break;
      }
      case StmtKind::store:
        if (reads_carried(*s.value, assigned)) return false;
        break;
      case StmtKind::let:
        if (reads_carried(*s.value, assigned)) return false;
        assigned[static_cast<size_t>(s.scalar)] = true;
        break;
      case StmtKind::accumulate:
        if (!assigned[static_cast<size_t>(s.scalar)] || reads_carried(*s.value, assigned)) return false;
        break;
      case StmtKind::if_then: {
        std::vector<bool> inner = assigned;
        if (reads_carried(*s.value, assigned) || !iterations_independent(s.body, inner)) return false;
        break;
      }
    }
  }
  return true;
}

void buffers_loaded(const Expr& e, std::vector<bool>& loaded) {
  if (e.kind == ExprKind::load) loaded[static_cast<size_t>(e.buffer)] = true;
  for (const ExprPtr& o : e.operands) buffers_loaded(*o, loaded);
}

// The buffers a loop body stores to and loads from (a body holding a gemm
// never gets here: iterations_independent refuses it).
void buffers_touched(const std::vector<Stmt>& body, std::vector<bool>& stored, std::vector<bool>& loaded) {
  for (const Stmt& s : body) {
    if (s.value) buffers_loaded(*s.value, loaded);
    if (s.kind == StmtKind::store) stored[static_cast<size_t>(s.buffer)] = true;
    buffers_touched(s.body, stored, loaded);
  }
}

bool has_guard(const std::vector<Stmt>& body) {
  for (const Stmt& s : body)
    if (s.kind == StmtKind::if_then || (s.kind == StmtKind::loop && has_guard(s.body))) return true;
  return false;
}

}  // namespace

// A short rolled loop whose extent is not a multiple of a vector leaves LLVM
// a scalar remainder (lenet's 14 pool windows a row: 3 vectors of 4 and 2
// scalar iterations). When iterations may run twice, the remainder is
// instead a last full vector ending at the extent, overlapping the one
// before: 14 windows as 8 + 8. An iteration may run twice when its stores
// feed none of the loop's loads and no output of the kernel shares bytes
// with an input (an in-place write would have consumed what the second run
// reads). The width: the widest power of two of at most a register's f32
// lanes that fits the extent.
int FunctionEmitter::overlapped_tail_width(const Stmt& s, LoopVectorize vectorize) const {
  if (vectorize != LoopVectorize::force_rolled || s.parallel || kernel_.writes_in_place) return 0;
  const int64_t extent = s.extent.constant;
  int width = 1;
  while (width * 2 <= std::min<int64_t>(extent, target_.f32_lanes())) width *= 2;
  if (width < 4 || extent % width == 0) return 0;
  std::vector<bool> stored(kernel_.buffers.size(), false), loaded(kernel_.buffers.size(), false);
  buffers_touched(s.body, stored, loaded);
  for (size_t b = 0; b < stored.size(); ++b)
    if (stored[b] && loaded[b]) return 0;
  return width;
}

void FunctionEmitter::emit_loop(const Stmt& s) {
  if (splits_sum(s)) return emit_split_sum(s);
  std::vector<bool> assigned(kernel_.scalars.size(), false);
  // LLVM leaves loops under 16 iterations scalar by default; the IR knows
  // these are worth vectorising (lenet's 14- and 10-wide rows, 5-wide pools).
  // A short loop of known extent would also be unrolled whole before the
  // vectoriser sees it (lenet's pool gradients: 5 and 14 windows a row),
  // leaving scalar code; kept rolled, it is vectorised, stride-2 accesses as
  // interleaved groups. Not with guards inside: LLVM cannot if-convert a
  // guarded tap loop, and unrolled it does better than rolled and scalar;
  // nor below 4 iterations, too few for any vector.
  LoopVectorize vectorize = LoopVectorize::as_llvm_likes;
  if (s.vectorize && iterations_independent(s.body, assigned)) {
    const bool short_loop = s.extent.is_constant() && s.extent.constant >= 4 && s.extent.constant < 64;
    vectorize = short_loop && !has_guard(s.body) ? LoopVectorize::force_rolled : LoopVectorize::force;
  }
  auto run = [&](FunctionEmitter& e, llvm::Value* begin, llvm::Value* end, int width = 0) {
    e.counted_loop(
        end, loop_name(s.var),
        [&](llvm::Value* i) {
          e.vars_[static_cast<size_t>(s.var)] = i;
          e.emit_body(s.body);
          e.vars_[static_cast<size_t>(s.var)] = nullptr;
        },
        begin, vectorize, width);
  };
  if (const int width = overlapped_tail_width(s, vectorize); width > 0) {
    const int64_t extent = s.extent.constant;
    run(*this, b_.getInt64(0), b_.getInt64(extent / width * width), width);
    run(*this, b_.getInt64(extent - width), b_.getInt64(extent), width);
    return;
  }
  if (s.parallel)
    parallel(size(s.extent), work(s.body), run);
  else
    run(*this, b_.getInt64(0), size(s.extent));
}

llvm::Value* FunctionEmitter::work(const std::vector<Stmt>& body) {
  llvm::Value* total = b_.getInt64(0);
  for (const Stmt& s : body) {
    llvm::Value* w = b_.getInt64(1);
    if (s.kind == StmtKind::loop) w = b_.CreateMul(size(s.extent), work(s.body));
    if (s.kind == StmtKind::if_then) w = work(s.body);
    if (s.kind == StmtKind::gemm) {
      const Gemm& g = s.gemm;
      w = b_.CreateMul(b_.CreateMul(size(g.batch), size(g.m)), b_.CreateMul(size(g.n_cols), size(g.k)));
    }
    total = b_.CreateAdd(total, w);
  }
  return total;
}

llvm::Type* FunctionEmitter::memory_type(DType t) {
  switch (t) {
    case DType::f32: return b_.getFloatTy();
    case DType::f64: return b_.getDoubleTy();
    case DType::f16: return b_.getHalfTy();
    case DType::bf16: return b_.getBFloatTy();
    case DType::i32: return b_.getInt32Ty();
    case DType::i64: return b_.getInt64Ty();
    case DType::u8:
    case DType::boolean: return b_.getInt8Ty();
  }
  GRAPHC_ASSERT(false, "unknown dtype");
}
llvm::Type* FunctionEmitter::register_type(DType t) { return t == DType::boolean ? b_.getInt1Ty() : memory_type(t); }

llvm::Value* FunctionEmitter::to_bool(llvm::Value* v, DType from) {
  if (from == DType::boolean) return v;
  // NaN is "not zero", hence true, as the interpreter (and PyTorch) say.
  if (is_float(from)) return b_.CreateFCmpUNE(v, llvm::ConstantFP::get(v->getType(), 0.0));
  return b_.CreateICmpNE(v, llvm::ConstantInt::get(v->getType(), 0));
}

llvm::Value* FunctionEmitter::convert(llvm::Value* v, DType from, DType to) {
  if (from == to) return v;
  llvm::Type* target = register_type(to);
  if (to == DType::boolean) return to_bool(v, from);
  const bool from_unsigned = from == DType::u8 || from == DType::boolean;
  if (is_float(to)) {
    if (is_float(from)) return b_.CreateFPCast(v, target);
    return from_unsigned ? b_.CreateUIToFP(v, target) : b_.CreateSIToFP(v, target);
  }
  if (is_float(from)) {
    // Truncate toward zero; through i64 so that u8 wraps as the interpreter does.
    llvm::Value* wide = b_.CreateFPToSI(v, b_.getInt64Ty());
    return b_.CreateTrunc(wide, target);
  }
  return b_.CreateIntCast(v, target, !from_unsigned);
}

llvm::Value* FunctionEmitter::size(const SizeExpr& s) {
  llvm::Value* c = b_.getInt64(static_cast<uint64_t>(s.constant));
  if (s.per_n == 0) return c;
  llvm::Value* scaled = s.per_n == 1 ? n_ : b_.CreateMul(n_, b_.getInt64(static_cast<uint64_t>(s.per_n)));
  return s.constant == 0 ? scaled : b_.CreateAdd(scaled, c);
}

llvm::Value* FunctionEmitter::index(const AffineIndex& ix) {
  llvm::Value* sum = size(ix.offset);
  for (const AffineIndex::Term& t : ix.terms) {
    llvm::Value* var = vars_[static_cast<size_t>(t.var)];
    GRAPHC_ASSERT(var != nullptr, "loop variable i", t.var, " used outside its loop");
    llvm::Value* term = t.coeff == SizeExpr(1) ? var : b_.CreateMul(var, size(t.coeff));
    sum = b_.CreateAdd(sum, term);
  }
  return sum;
}

llvm::Value* FunctionEmitter::element_ptr(BufferId buffer, llvm::Value* idx) {
  const Buffer& buf = kernel_.buffers[static_cast<size_t>(buffer)];
  return b_.CreateInBoundsGEP(memory_type(buf.dtype), buffers_[static_cast<size_t>(buffer)], idx);
}

llvm::Value* FunctionEmitter::load(BufferId buffer, llvm::Value* idx) {
  const DType t = kernel_.buffers[static_cast<size_t>(buffer)].dtype;
  llvm::Value* v = b_.CreateLoad(memory_type(t), element_ptr(buffer, idx));
  return t == DType::boolean ? b_.CreateICmpNE(v, b_.getInt8(0)) : v;
}

void FunctionEmitter::store(BufferId buffer, llvm::Value* idx, llvm::Value* v) {
  const DType t = kernel_.buffers[static_cast<size_t>(buffer)].dtype;
  if (t == DType::boolean) v = b_.CreateZExt(v, b_.getInt8Ty());
  b_.CreateStore(v, element_ptr(buffer, idx));
}

// ---- expressions ----

llvm::Value* FunctionEmitter::call_libm(const char* f32_name, const char* f64_name, llvm::Value* x) {
  const bool single = x->getType()->isFloatTy();
  GRAPHC_ASSERT(single || x->getType()->isDoubleTy(), "libm call on a non-f32/f64 value");
  llvm::FunctionCallee f =
      module_.getOrInsertFunction(single ? f32_name : f64_name, x->getType(), x->getType());
  if (auto* decl = llvm::dyn_cast<llvm::Function>(f.getCallee())) {
    decl->setDoesNotThrow();
    decl->setDoesNotAccessMemory();
  }
  return b_.CreateCall(f, {x});
}

// max/min where NaN wins from either side: a if (a beats b) or a is NaN, else b.
llvm::Value* FunctionEmitter::nan_pick(llvm::Value* a, llvm::Value* b, bool larger) {
  llvm::Value* beats = larger ? b_.CreateFCmpOGT(a, b) : b_.CreateFCmpOLT(a, b);
  llvm::Value* a_nan = b_.CreateFCmpUNO(a, a);
  return b_.CreateSelect(b_.CreateOr(beats, a_nan), a, b);
}

llvm::Value* FunctionEmitter::compare(OpKind op, llvm::Value* a, llvm::Value* b, DType operand_type) {
  using P = llvm::CmpInst::Predicate;
  const bool fp = is_float(operand_type), uns = operand_type == DType::u8 || operand_type == DType::boolean;
  P p = P::ICMP_EQ;
  if (op == OpKind::eq) p = fp ? P::FCMP_OEQ : P::ICMP_EQ;
  if (op == OpKind::ne) p = fp ? P::FCMP_UNE : P::ICMP_NE;
  if (op == OpKind::lt) p = fp ? P::FCMP_OLT : (uns ? P::ICMP_ULT : P::ICMP_SLT);
  if (op == OpKind::le) p = fp ? P::FCMP_OLE : (uns ? P::ICMP_ULE : P::ICMP_SLE);
  if (op == OpKind::gt) p = fp ? P::FCMP_OGT : (uns ? P::ICMP_UGT : P::ICMP_SGT);
  if (op == OpKind::ge) p = fp ? P::FCMP_OGE : (uns ? P::ICMP_UGE : P::ICMP_SGE);
  return fp ? b_.CreateFCmp(p, a, b) : b_.CreateICmp(p, a, b);
}

llvm::Value* FunctionEmitter::op(const Expr& e) {
  std::vector<llvm::Value*> x;
  for (const ExprPtr& operand : e.operands) x.push_back(expr(*operand));
  const DType t = e.dtype;
  const DType operand_type = e.operands[0]->dtype;
  const bool fp = is_float(operand_type);
  const bool uns = operand_type == DType::u8 || operand_type == DType::boolean;
  auto require_float = [&] { GRAPHC_ASSERT(fp, op_name(e.op), " on ", dtype_name(operand_type), " in codegen"); };
  switch (e.op) {
    case OpKind::neg: return fp ? b_.CreateFNeg(x[0]) : b_.CreateNeg(x[0]);
    case OpKind::exp: require_float(); return b_.CreateUnaryIntrinsic(llvm::Intrinsic::exp, x[0]);
    case OpKind::log: require_float(); return b_.CreateUnaryIntrinsic(llvm::Intrinsic::log, x[0]);
    case OpKind::sqrt: require_float(); return b_.CreateUnaryIntrinsic(llvm::Intrinsic::sqrt, x[0]);
    case OpKind::rsqrt:
      require_float();
      return b_.CreateFDiv(llvm::ConstantFP::get(x[0]->getType(), 1.0), b_.CreateUnaryIntrinsic(llvm::Intrinsic::sqrt, x[0]));
    case OpKind::tanh: require_float(); return call_libm("tanhf", "tanh", x[0]);
    case OpKind::sigmoid: {
      require_float();
      // 1/(1+e^-x): e^-x overflowing to inf gives exactly 0, as it should.
      llvm::Value* one = llvm::ConstantFP::get(x[0]->getType(), 1.0);
      llvm::Value* e_neg = b_.CreateUnaryIntrinsic(llvm::Intrinsic::exp, b_.CreateFNeg(x[0]));
      return b_.CreateFDiv(one, b_.CreateFAdd(one, e_neg));
    }
    case OpKind::relu:
      if (fp) return nan_pick(x[0], llvm::ConstantFP::get(x[0]->getType(), 0.0), true);
      return b_.CreateSelect(b_.CreateICmpSGT(x[0], llvm::ConstantInt::get(x[0]->getType(), 0)), x[0],
                             llvm::ConstantInt::get(x[0]->getType(), 0));
    case OpKind::abs:
      if (fp) return b_.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, x[0]);
      return b_.CreateSelect(b_.CreateICmpSLT(x[0], llvm::ConstantInt::get(x[0]->getType(), 0)),
                             b_.CreateNeg(x[0]), x[0]);
    case OpKind::add: return fp ? b_.CreateFAdd(x[0], x[1]) : b_.CreateAdd(x[0], x[1]);
    case OpKind::sub: return fp ? b_.CreateFSub(x[0], x[1]) : b_.CreateSub(x[0], x[1]);
    case OpKind::mul: return fp ? b_.CreateFMul(x[0], x[1]) : b_.CreateMul(x[0], x[1]);
    case OpKind::div:
      if (fp) return b_.CreateFDiv(x[0], x[1]);
      return uns ? b_.CreateUDiv(x[0], x[1]) : b_.CreateSDiv(x[0], x[1]);
    case OpKind::max:
      if (fp) return nan_pick(x[0], x[1], true);
      return b_.CreateSelect(uns ? b_.CreateICmpUGT(x[0], x[1]) : b_.CreateICmpSGT(x[0], x[1]), x[0], x[1]);
    case OpKind::min:
      if (fp) return nan_pick(x[0], x[1], false);
      return b_.CreateSelect(uns ? b_.CreateICmpULT(x[0], x[1]) : b_.CreateICmpSLT(x[0], x[1]), x[0], x[1]);
    case OpKind::pow:
      require_float();
      return b_.CreateBinaryIntrinsic(llvm::Intrinsic::pow, x[0], x[1]);
    case OpKind::eq:
    case OpKind::ne:
    case OpKind::lt:
    case OpKind::le:
    case OpKind::gt:
    case OpKind::ge: return compare(e.op, x[0], x[1], operand_type);
    case OpKind::select:
      return b_.CreateSelect(to_bool(x[0], e.operands[0]->dtype), convert(x[1], e.operands[1]->dtype, t),
                             convert(x[2], e.operands[2]->dtype, t));
    case OpKind::cast:  // ExprKind::cast carries casts
    case OpKind::input:
    case OpKind::parameter:
    case OpKind::constant:
    case OpKind::batch_size:
    case OpKind::reduce_sum:
    case OpKind::reduce_max:
    case OpKind::argmax:
    case OpKind::reshape:
    case OpKind::transpose:
    case OpKind::broadcast:
    case OpKind::slice:
    case OpKind::pad:
    case OpKind::concat:
    case OpKind::matmul:
    case OpKind::conv2d:
    case OpKind::conv2d_grad_input:
    case OpKind::conv2d_grad_weight:
    case OpKind::max_pool2d:
    case OpKind::max_pool2d_grad:
    case OpKind::avg_pool2d:
    case OpKind::avg_pool2d_grad:
    case OpKind::softmax:
    case OpKind::log_softmax:
    case OpKind::softmax_cross_entropy:
    case OpKind::one_hot:
    case OpKind::dropout_mask: break;
  }
  // Called directly (not through GRAPHC_ASSERT) so that unoptimised builds
  // also see that nothing returns from here.
  detail::assert_fail("expression op", __FILE__, __LINE__, cat(op_name(e.op), " is not an expression op"));
}

llvm::Value* FunctionEmitter::constant(double value, DType t) {
  llvm::Type* type = register_type(t);
  if (is_float(t)) return llvm::ConstantFP::get(type, value);
  if (t == DType::boolean) return b_.getInt1(value != 0);
  return llvm::ConstantInt::get(type, static_cast<uint64_t>(static_cast<int64_t>(value)), true);
}

llvm::Value* FunctionEmitter::expr(const Expr& e) {
  switch (e.kind) {
    case ExprKind::constant: return constant(e.value, e.dtype);
    case ExprKind::batch_size: return convert(n_, DType::i64, e.dtype);
    case ExprKind::loop_index: return convert(vars_[static_cast<size_t>(e.var)], DType::i64, e.dtype);
    case ExprKind::load: return load(e.buffer, index(e.index));
    case ExprKind::scalar:
      return b_.CreateLoad(register_type(e.dtype), scalars_[static_cast<size_t>(e.scalar)]);
    case ExprKind::cast: return convert(expr(*e.operands[0]), e.operands[0]->dtype, e.dtype);
    case ExprKind::op: return op(e);
    case ExprKind::philox: return philox(e);
  }
  GRAPHC_ASSERT(false, "unknown expression kind");
}

// ---- statements ----
// for (i = 0; i < extent; ++i) body(i)
void FunctionEmitter::counted_loop(llvm::Value* end, const std::string& name,
                                   const std::function<void(llvm::Value*)>& body, llvm::Value* begin,
                                   LoopVectorize vectorize, int width) {
  if (begin == nullptr) begin = b_.getInt64(0);
  llvm::BasicBlock* preheader = b_.GetInsertBlock();
  llvm::BasicBlock* header = llvm::BasicBlock::Create(ctx_, name + ".header", fn_);
  llvm::BasicBlock* loop_body = llvm::BasicBlock::Create(ctx_, name + ".body", fn_);
  llvm::BasicBlock* exit = llvm::BasicBlock::Create(ctx_, name + ".exit", fn_);
  b_.CreateBr(header);
  b_.SetInsertPoint(header);
  llvm::PHINode* i = b_.CreatePHI(b_.getInt64Ty(), 2, name);
  i->addIncoming(begin, preheader);
  b_.CreateCondBr(b_.CreateICmpSLT(i, end), loop_body, exit);
  b_.SetInsertPoint(loop_body);
  body(i);
  llvm::Value* next = b_.CreateAdd(i, b_.getInt64(1), "", /*HasNUW=*/true, /*HasNSW=*/true);
  i->addIncoming(next, b_.GetInsertBlock());
  llvm::BranchInst* latch = b_.CreateBr(header);
  if (vectorize != LoopVectorize::as_llvm_likes) {
    llvm::Metadata* enable[] = {llvm::MDString::get(ctx_, "llvm.loop.vectorize.enable"),
                                llvm::ConstantAsMetadata::get(b_.getTrue())};
    std::vector<llvm::Metadata*> hints = {nullptr, llvm::MDNode::get(ctx_, enable)};
    if (vectorize == LoopVectorize::force_rolled)
      hints.push_back(llvm::MDNode::get(ctx_, {llvm::MDString::get(ctx_, "llvm.loop.unroll.disable")}));
    if (width > 0)
      hints.push_back(llvm::MDNode::get(ctx_, {llvm::MDString::get(ctx_, "llvm.loop.vectorize.width"),
                                               llvm::ConstantAsMetadata::get(b_.getInt32(static_cast<uint32_t>(width)))}));
    llvm::MDNode* loop_id = llvm::MDNode::getDistinct(ctx_, hints);
    loop_id->replaceOperandWith(0, loop_id);
    latch->setMetadata(llvm::LLVMContext::MD_loop, loop_id);
  }
  b_.SetInsertPoint(exit);
}


void FunctionEmitter::emit_body(const std::vector<Stmt>& body) {
  for (const Stmt& s : body) emit_stmt(s);
}

void FunctionEmitter::emit_stmt(const Stmt& s) {
  switch (s.kind) {
    case StmtKind::loop: emit_loop(s); return;
    case StmtKind::store: store(s.buffer, index(s.index), expr(*s.value)); return;
    case StmtKind::let:
      b_.CreateStore(convert(expr(*s.value), s.value->dtype, kernel_.scalars[static_cast<size_t>(s.scalar)]),
                     scalars_[static_cast<size_t>(s.scalar)]);
      return;
    case StmtKind::accumulate: emit_accumulate(s); return;
    case StmtKind::gemm: emit_gemm(s.gemm); return;
    case StmtKind::if_then: emit_if(s); return;
  }
}

void FunctionEmitter::emit_if(const Stmt& s) {
  llvm::Value* condition = to_bool(expr(*s.value), s.value->dtype);
  llvm::BasicBlock* then = llvm::BasicBlock::Create(ctx_, "if.then", fn_);
  llvm::BasicBlock* done = llvm::BasicBlock::Create(ctx_, "if.end", fn_);
  b_.CreateCondBr(condition, then, done);
  b_.SetInsertPoint(then);
  emit_body(s.body);
  b_.CreateBr(done);
  b_.SetInsertPoint(done);
}

// Philox4x32-10 exactly as runtime/philox.h writes it: counter (index_lo,
// index_hi, stream_lo, stream_hi), key (seed_lo, seed_hi), ten rounds of two
// 32x32->64 multiplies; the result is word 0 shifted right by 8 (24 bits).
// Plain integer arithmetic, so the vectoriser turns it into vector multiplies.
llvm::Value* FunctionEmitter::philox(const Expr& e) {
  llvm::Type* i32 = b_.getInt32Ty();
  llvm::Type* i64 = b_.getInt64Ty();
  auto low = [&](llvm::Value* x) { return b_.CreateTrunc(x, i32); };
  auto high = [&](llvm::Value* x) { return b_.CreateTrunc(b_.CreateLShr(x, 32), i32); };
  llvm::Value* seed = expr(*e.operands[0]);
  llvm::Value* stream = expr(*e.operands[1]);
  llvm::Value* counter = expr(*e.operands[2]);
  llvm::Value* c[4] = {low(counter), high(counter), low(stream), high(stream)};
  llvm::Value* k[2] = {low(seed), high(seed)};
  constexpr uint64_t kMul0 = 0xD2511F53u, kMul1 = 0xCD9E8D57u;
  constexpr uint32_t kWeyl0 = 0x9E3779B9u, kWeyl1 = 0xBB67AE85u;
  for (int round = 0; round < 10; ++round) {
    llvm::Value* p0 = b_.CreateMul(b_.CreateZExt(c[0], i64), b_.getInt64(kMul0));
    llvm::Value* p1 = b_.CreateMul(b_.CreateZExt(c[2], i64), b_.getInt64(kMul1));
    llvm::Value* next[4] = {b_.CreateXor(b_.CreateXor(high(p1), c[1]), k[0]), low(p1),
                            b_.CreateXor(b_.CreateXor(high(p0), c[3]), k[1]), low(p0)};
    std::copy(std::begin(next), std::end(next), std::begin(c));
    k[0] = b_.CreateAdd(k[0], b_.getInt32(kWeyl0));
    k[1] = b_.CreateAdd(k[1], b_.getInt32(kWeyl1));
  }
  return b_.CreateZExt(b_.CreateLShr(c[0], 8), i64);
}

void FunctionEmitter::emit_accumulate(const Stmt& s) {
  const DType t = kernel_.scalars[static_cast<size_t>(s.scalar)];
  llvm::Value* slot = scalars_[static_cast<size_t>(s.scalar)];
  llvm::Value* acc = b_.CreateLoad(register_type(t), slot);
  llvm::Value* v = convert(expr(*s.value), s.value->dtype, t);
  llvm::Value* result = nullptr;
  if (s.combine == Combine::sum) {
    result = is_float(t) ? b_.CreateFAdd(acc, v) : b_.CreateAdd(acc, v);
  } else if (is_float(t)) {
    // v replaces acc when larger, or when v is NaN and acc is not.
    llvm::Value* wins = b_.CreateOr(b_.CreateFCmpOGT(v, acc),
                                    b_.CreateAnd(b_.CreateFCmpUNO(v, v), b_.CreateFCmpORD(acc, acc)));
    result = b_.CreateSelect(wins, v, acc);
  } else {
    const bool uns = t == DType::u8 || t == DType::boolean;
    result = b_.CreateSelect(uns ? b_.CreateICmpUGT(v, acc) : b_.CreateICmpSGT(v, acc), v, acc);
  }
  b_.CreateStore(result, slot);
}


}  // namespace graphc::codegen::cpu
