// Kernel IR -> LLVM IR. A direct translation: loops become counted loops,
// scalars become stack slots (promoted to registers by mem2reg), expressions
// become instructions with the interpreter's semantics (NaN propagating
// max/min/relu, C truncation for float -> int). No fast-math flags: LLVM may
// not reassociate sums, so every reduction keeps the IR's sequential order
// and the results are deterministic. Optimisation is LLVM's O3 for the
// target CPU, which vectorises the unit-stride inner loops.
#include <llvm/Analysis/CGSCCPassManager.h>
#include <llvm/Analysis/LoopAnalysisManager.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Intrinsics.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/raw_ostream.h>

#include <functional>

#include "codegen/cpu/llvm_module_impl.h"

namespace graphc::codegen::cpu {

namespace {

class FunctionEmitter {
 public:
  FunctionEmitter(llvm::Module& module, const Kernel& kernel, const CpuTarget& target)
      : module_(module), ctx_(module.getContext()), b_(ctx_), kernel_(kernel) {
    llvm::Type* ptr = llvm::PointerType::getUnqual(ctx_);
    auto* type = llvm::FunctionType::get(b_.getVoidTy(), {ptr, b_.getInt64Ty()}, false);
    fn_ = llvm::Function::Create(type, llvm::Function::ExternalLinkage, kernel.name, module);
    fn_->addFnAttr(llvm::Attribute::NoUnwind);
    fn_->addFnAttr("target-cpu", target.cpu);
    fn_->addFnAttr("target-features", target.features);
    fn_->getArg(0)->setName("buffers");
    fn_->getArg(1)->setName("n");
    n_ = fn_->getArg(1);
  }

  void emit() {
    b_.SetInsertPoint(llvm::BasicBlock::Create(ctx_, "entry", fn_));
    for (size_t i = 0; i < kernel_.buffers.size(); ++i) {
      llvm::Value* slot = b_.CreateConstInBoundsGEP1_64(b_.getPtrTy(), fn_->getArg(0), i);
      buffers_.push_back(b_.CreateLoad(b_.getPtrTy(), slot, kernel_.buffers[i].name));
    }
    for (DType t : kernel_.scalars) scalars_.push_back(b_.CreateAlloca(register_type(t)));
    vars_.assign(static_cast<size_t>(kernel_.loop_vars), nullptr);
    emit_body(kernel_.body);
    b_.CreateRetVoid();
  }

 private:
  // ---- types and conversions ----
  llvm::Type* memory_type(DType t) {
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
  llvm::Type* register_type(DType t) { return t == DType::boolean ? b_.getInt1Ty() : memory_type(t); }

  llvm::Value* to_bool(llvm::Value* v, DType from) {
    if (from == DType::boolean) return v;
    // NaN is "not zero", hence true, as the interpreter (and PyTorch) say.
    if (is_float(from)) return b_.CreateFCmpUNE(v, llvm::ConstantFP::get(v->getType(), 0.0));
    return b_.CreateICmpNE(v, llvm::ConstantInt::get(v->getType(), 0));
  }

  llvm::Value* convert(llvm::Value* v, DType from, DType to) {
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

  llvm::Value* size(const SizeExpr& s) {
    llvm::Value* c = b_.getInt64(static_cast<uint64_t>(s.constant));
    if (s.per_n == 0) return c;
    llvm::Value* scaled = s.per_n == 1 ? n_ : b_.CreateMul(n_, b_.getInt64(static_cast<uint64_t>(s.per_n)));
    return s.constant == 0 ? scaled : b_.CreateAdd(scaled, c);
  }

  llvm::Value* index(const AffineIndex& ix) {
    llvm::Value* sum = size(ix.offset);
    for (const AffineIndex::Term& t : ix.terms) {
      llvm::Value* var = vars_[static_cast<size_t>(t.var)];
      GRAPHC_ASSERT(var != nullptr, "loop variable i", t.var, " used outside its loop");
      llvm::Value* term = t.coeff == SizeExpr(1) ? var : b_.CreateMul(var, size(t.coeff));
      sum = b_.CreateAdd(sum, term);
    }
    return sum;
  }

  llvm::Value* element_ptr(BufferId buffer, llvm::Value* idx) {
    const Buffer& buf = kernel_.buffers[static_cast<size_t>(buffer)];
    return b_.CreateInBoundsGEP(memory_type(buf.dtype), buffers_[static_cast<size_t>(buffer)], idx);
  }

  llvm::Value* load(BufferId buffer, llvm::Value* idx) {
    const DType t = kernel_.buffers[static_cast<size_t>(buffer)].dtype;
    llvm::Value* v = b_.CreateLoad(memory_type(t), element_ptr(buffer, idx));
    return t == DType::boolean ? b_.CreateICmpNE(v, b_.getInt8(0)) : v;
  }

  void store(BufferId buffer, llvm::Value* idx, llvm::Value* v) {
    const DType t = kernel_.buffers[static_cast<size_t>(buffer)].dtype;
    if (t == DType::boolean) v = b_.CreateZExt(v, b_.getInt8Ty());
    b_.CreateStore(v, element_ptr(buffer, idx));
  }

  // ---- expressions ----
  llvm::Value* call_unary(llvm::Intrinsic::ID id, llvm::Value* x) {
    return b_.CreateUnaryIntrinsic(id, x);
  }

  llvm::Value* call_libm(const char* f32_name, const char* f64_name, llvm::Value* x) {
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
  llvm::Value* nan_pick(llvm::Value* a, llvm::Value* b, bool larger) {
    llvm::Value* beats = larger ? b_.CreateFCmpOGT(a, b) : b_.CreateFCmpOLT(a, b);
    llvm::Value* a_nan = b_.CreateFCmpUNO(a, a);
    return b_.CreateSelect(b_.CreateOr(beats, a_nan), a, b);
  }

  llvm::Value* compare(OpKind op, llvm::Value* a, llvm::Value* b, DType operand_type) {
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

  llvm::Value* op(const Expr& e) {
    std::vector<llvm::Value*> x;
    for (const ExprPtr& operand : e.operands) x.push_back(expr(*operand));
    const DType t = e.dtype;
    const DType operand_type = e.operands[0]->dtype;
    const bool fp = is_float(operand_type);
    const bool uns = operand_type == DType::u8 || operand_type == DType::boolean;
    auto require_float = [&] { GRAPHC_ASSERT(fp, op_name(e.op), " on ", dtype_name(operand_type), " in codegen"); };
    switch (e.op) {
      case OpKind::neg: return fp ? b_.CreateFNeg(x[0]) : b_.CreateNeg(x[0]);
      case OpKind::exp: require_float(); return call_unary(llvm::Intrinsic::exp, x[0]);
      case OpKind::log: require_float(); return call_unary(llvm::Intrinsic::log, x[0]);
      case OpKind::sqrt: require_float(); return call_unary(llvm::Intrinsic::sqrt, x[0]);
      case OpKind::rsqrt:
        require_float();
        return b_.CreateFDiv(llvm::ConstantFP::get(x[0]->getType(), 1.0), call_unary(llvm::Intrinsic::sqrt, x[0]));
      case OpKind::tanh: require_float(); return call_libm("tanhf", "tanh", x[0]);
      case OpKind::sigmoid: {
        require_float();
        // 1/(1+e^-x): e^-x overflowing to inf gives exactly 0, as it should.
        llvm::Value* one = llvm::ConstantFP::get(x[0]->getType(), 1.0);
        llvm::Value* e_neg = call_unary(llvm::Intrinsic::exp, b_.CreateFNeg(x[0]));
        return b_.CreateFDiv(one, b_.CreateFAdd(one, e_neg));
      }
      case OpKind::relu:
        if (fp) return nan_pick(x[0], llvm::ConstantFP::get(x[0]->getType(), 0.0), true);
        return b_.CreateSelect(b_.CreateICmpSGT(x[0], llvm::ConstantInt::get(x[0]->getType(), 0)), x[0],
                               llvm::ConstantInt::get(x[0]->getType(), 0));
      case OpKind::abs:
        if (fp) return call_unary(llvm::Intrinsic::fabs, x[0]);
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

  llvm::Value* constant(double value, DType t) {
    llvm::Type* type = register_type(t);
    if (is_float(t)) return llvm::ConstantFP::get(type, value);
    if (t == DType::boolean) return b_.getInt1(value != 0);
    return llvm::ConstantInt::get(type, static_cast<uint64_t>(static_cast<int64_t>(value)), true);
  }

  llvm::Value* expr(const Expr& e) {
    switch (e.kind) {
      case ExprKind::constant: return constant(e.value, e.dtype);
      case ExprKind::batch_size: return convert(n_, DType::i64, e.dtype);
      case ExprKind::loop_index: return convert(vars_[static_cast<size_t>(e.var)], DType::i64, e.dtype);
      case ExprKind::load: return load(e.buffer, index(e.index));
      case ExprKind::scalar:
        return b_.CreateLoad(register_type(e.dtype), scalars_[static_cast<size_t>(e.scalar)]);
      case ExprKind::cast: return convert(expr(*e.operands[0]), e.operands[0]->dtype, e.dtype);
      case ExprKind::op: return op(e);
    }
    GRAPHC_ASSERT(false, "unknown expression kind");
  }

  // ---- statements ----
  // for (i = 0; i < extent; ++i) body(i)
  void counted_loop(llvm::Value* extent, const std::string& name, const std::function<void(llvm::Value*)>& body) {
    llvm::BasicBlock* preheader = b_.GetInsertBlock();
    llvm::BasicBlock* header = llvm::BasicBlock::Create(ctx_, name + ".header", fn_);
    llvm::BasicBlock* loop_body = llvm::BasicBlock::Create(ctx_, name + ".body", fn_);
    llvm::BasicBlock* exit = llvm::BasicBlock::Create(ctx_, name + ".exit", fn_);
    b_.CreateBr(header);
    b_.SetInsertPoint(header);
    llvm::PHINode* i = b_.CreatePHI(b_.getInt64Ty(), 2, name);
    i->addIncoming(b_.getInt64(0), preheader);
    b_.CreateCondBr(b_.CreateICmpSLT(i, extent), loop_body, exit);
    b_.SetInsertPoint(loop_body);
    body(i);
    llvm::Value* next = b_.CreateAdd(i, b_.getInt64(1), "", /*HasNUW=*/true, /*HasNSW=*/true);
    i->addIncoming(next, b_.GetInsertBlock());
    b_.CreateBr(header);
    b_.SetInsertPoint(exit);
  }

  static std::string loop_name(VarId var) {
    std::string name = "i";  // built in steps: g++ 12 misreports "i" + string (-Wrestrict)
    name += std::to_string(var);
    return name;
  }

  void emit_body(const std::vector<Stmt>& body) {
    for (const Stmt& s : body) emit_stmt(s);
  }

  void emit_stmt(const Stmt& s) {
    switch (s.kind) {
      case StmtKind::loop:
        counted_loop(size(s.extent), loop_name(s.var), [&](llvm::Value* i) {
          vars_[static_cast<size_t>(s.var)] = i;
          emit_body(s.body);
          vars_[static_cast<size_t>(s.var)] = nullptr;
        });
        return;
      case StmtKind::store: store(s.buffer, index(s.index), expr(*s.value)); return;
      case StmtKind::let:
        b_.CreateStore(convert(expr(*s.value), s.value->dtype, kernel_.scalars[static_cast<size_t>(s.scalar)]),
                       scalars_[static_cast<size_t>(s.scalar)]);
        return;
      case StmtKind::accumulate: emit_accumulate(s); return;
      case StmtKind::gemm: emit_gemm(s.gemm); return;
    }
  }

  void emit_accumulate(const Stmt& s) {
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

  // C = alpha * op(A) @ op(B) + beta * C, loops in i-k-j order: the inner
  // loop walks rows of B and C with unit stride, which LLVM vectorises, and
  // every C element sums its k terms in ascending order (deterministic).
  void emit_gemm(const Gemm& g) {
    const DType t = kernel_.buffers[static_cast<size_t>(g.c)].dtype;
    llvm::Type* ft = register_type(t);
    GRAPHC_ASSERT(is_float(t), "gemm on ", dtype_name(t));
    llvm::Value *m = size(g.m), *ncols = size(g.n_cols), *k = size(g.k);
    llvm::Value *lda = size(g.lda), *ldb = size(g.ldb), *ldc = size(g.ldc);
    llvm::Value* alpha = llvm::ConstantFP::get(ft, g.alpha);
    llvm::Value* beta = llvm::ConstantFP::get(ft, g.beta);
    counted_loop(size(g.batch), "gemm.batch", [&](llvm::Value* bi) {
      llvm::Value* a0 = b_.CreateMul(bi, size(g.a_batch_stride));
      llvm::Value* b0 = b_.CreateMul(bi, size(g.b_batch_stride));
      llvm::Value* c0 = b_.CreateMul(bi, size(g.c_batch_stride));
      counted_loop(m, "gemm.i", [&](llvm::Value* i) {
        llvm::Value* c_row = b_.CreateAdd(c0, b_.CreateMul(i, ldc));
        counted_loop(ncols, "gemm.init", [&](llvm::Value* j) {
          llvm::Value* at = b_.CreateAdd(c_row, j);
          llvm::Value* init = g.beta == 0 ? llvm::ConstantFP::get(ft, 0.0) : b_.CreateFMul(beta, load(g.c, at));
          store(g.c, at, init);
        });
        counted_loop(k, "gemm.k", [&](llvm::Value* kk) {
          llvm::Value* a_at = g.transpose_a ? b_.CreateAdd(b_.CreateMul(kk, lda), i) : b_.CreateAdd(b_.CreateMul(i, lda), kk);
          llvm::Value* a = load(g.a, b_.CreateAdd(a0, a_at));
          if (g.alpha != 1) a = b_.CreateFMul(alpha, a);
          counted_loop(ncols, "gemm.j", [&](llvm::Value* j) {
            llvm::Value* b_at =
                g.transpose_b ? b_.CreateAdd(b_.CreateMul(j, ldb), kk) : b_.CreateAdd(b_.CreateMul(kk, ldb), j);
            llvm::Value* bv = load(g.b, b_.CreateAdd(b0, b_at));
            llvm::Value* at = b_.CreateAdd(c_row, j);
            store(g.c, at, b_.CreateFAdd(load(g.c, at), b_.CreateFMul(a, bv)));
          });
        });
      });
    });
  }

  llvm::Module& module_;
  llvm::LLVMContext& ctx_;
  llvm::IRBuilder<> b_;
  const Kernel& kernel_;
  llvm::Function* fn_ = nullptr;
  llvm::Value* n_ = nullptr;
  std::vector<llvm::Value*> buffers_;
  std::vector<llvm::Value*> scalars_;
  std::vector<llvm::Value*> vars_;
};

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
    FunctionEmitter(*impl->module, k, target).emit();
  }
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
