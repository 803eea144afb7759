// Kernel IR construction helpers and the text printer: the arithmetic on
// sizes and affine indices that lowering relies on lives here so that it is
// written (and checked) once.
#include "codegen/kernel_ir.h"

#include <sstream>

#include "ir/error.h"

namespace graphc::codegen {

std::string SizeExpr::str() const {
  std::ostringstream os;
  if (per_n != 0) {
    if (per_n == -1) os << "-";
    if (per_n != 1 && per_n != -1) os << per_n << "*";
    os << "n";
    if (constant > 0) os << "+";
  }
  if (constant != 0 || per_n == 0) os << constant;
  return os.str();
}

SizeExpr operator+(const SizeExpr& a, const SizeExpr& b) { return {a.constant + b.constant, a.per_n + b.per_n}; }

SizeExpr operator*(const SizeExpr& a, const SizeExpr& b) {
  GRAPHC_ASSERT(a.per_n == 0 || b.per_n == 0, "size ", a.str(), " * ", b.str(), " would be quadratic in n");
  return {a.constant * b.constant, a.per_n * b.constant + b.per_n * a.constant};
}

AffineIndex& AffineIndex::add(VarId v, const SizeExpr& coeff) {
  for (size_t i = 0; i < terms.size(); ++i) {
    if (terms[i].var != v) continue;
    terms[i].coeff = terms[i].coeff + coeff;
    if (terms[i].coeff.is_zero()) terms.erase(terms.begin() + static_cast<ptrdiff_t>(i));
    return *this;
  }
  if (!coeff.is_zero()) terms.push_back({v, coeff});
  return *this;
}

AffineIndex AffineIndex::scaled(const SizeExpr& factor) const {
  AffineIndex out{offset * factor, {}};
  for (const Term& t : terms) out.add(t.var, t.coeff * factor);
  return out;
}

AffineIndex operator+(const AffineIndex& a, const AffineIndex& b) {
  AffineIndex out = a;
  out.offset = out.offset + b.offset;
  for (const AffineIndex::Term& t : b.terms) out.add(t.var, t.coeff);
  return out;
}

std::string AffineIndex::str() const {
  std::ostringstream os;
  bool first = true;
  for (const Term& t : terms) {
    if (!first) os << " + ";
    first = false;
    if (!(t.coeff == SizeExpr(1))) os << "(" << t.coeff.str() << ")*";
    os << "i" << t.var;
  }
  if (first || !offset.is_zero()) {
    if (!first) os << " + ";
    os << offset.str();
  }
  return os.str();
}

namespace {
ExprPtr finish(Expr e) { return std::make_shared<const Expr>(std::move(e)); }
}  // namespace

ExprPtr make_constant(double value, DType dtype) {
  Expr e;
  e.kind = ExprKind::constant;
  e.value = value;
  e.dtype = dtype;
  return finish(std::move(e));
}

ExprPtr make_batch_size(DType dtype) {
  Expr e;
  e.kind = ExprKind::batch_size;
  e.dtype = dtype;
  return finish(std::move(e));
}

ExprPtr make_loop_index(VarId var, DType dtype) {
  Expr e;
  e.kind = ExprKind::loop_index;
  e.var = var;
  e.dtype = dtype;
  return finish(std::move(e));
}

ExprPtr make_load(BufferId buffer, AffineIndex index, DType dtype) {
  Expr e;
  e.kind = ExprKind::load;
  e.buffer = buffer;
  e.index = std::move(index);
  e.dtype = dtype;
  return finish(std::move(e));
}

ExprPtr make_scalar(ScalarId scalar, DType dtype) {
  Expr e;
  e.kind = ExprKind::scalar;
  e.scalar = scalar;
  e.dtype = dtype;
  return finish(std::move(e));
}

ExprPtr make_op(OpKind op, std::vector<ExprPtr> operands, DType dtype) {
  const OpInfo& info = op_info(op);
  GRAPHC_ASSERT(info.cls == OpClass::elementwise && op != OpKind::cast, "not an elementwise math op: ", info.name);
  GRAPHC_ASSERT(static_cast<int>(operands.size()) == info.arity, info.name, " takes ", info.arity, " operands");
  Expr e;
  e.kind = ExprKind::op;
  e.op = op;
  e.operands = std::move(operands);
  e.dtype = dtype;
  return finish(std::move(e));
}

ExprPtr make_cast(ExprPtr x, DType to) {
  if (x->dtype == to) return x;
  Expr e;
  e.kind = ExprKind::cast;
  e.operands = {std::move(x)};
  e.dtype = to;
  return finish(std::move(e));
}

ExprPtr make_philox(ExprPtr seed, ExprPtr stream, ExprPtr counter) {
  for (const ExprPtr* x : {&seed, &stream, &counter})
    GRAPHC_ASSERT((*x)->dtype == DType::i64, "philox operands are i64, got ", dtype_name((*x)->dtype));
  Expr e;
  e.kind = ExprKind::philox;
  e.operands = {std::move(seed), std::move(stream), std::move(counter)};
  e.dtype = DType::i64;
  return finish(std::move(e));
}

Stmt make_loop(VarId var, SizeExpr extent, std::vector<Stmt> body, bool parallel, bool vectorize) {
  Stmt s;
  s.kind = StmtKind::loop;
  s.var = var;
  s.extent = extent;
  s.body = std::move(body);
  s.parallel = parallel;
  s.vectorize = vectorize;
  return s;
}

Stmt make_store(BufferId buffer, AffineIndex index, ExprPtr value) {
  Stmt s;
  s.kind = StmtKind::store;
  s.buffer = buffer;
  s.index = std::move(index);
  s.value = std::move(value);
  return s;
}

Stmt make_let(ScalarId scalar, ExprPtr value) {
  Stmt s;
  s.kind = StmtKind::let;
  s.scalar = scalar;
  s.value = std::move(value);
  return s;
}

Stmt make_accumulate(ScalarId scalar, Combine combine, ExprPtr value) {
  Stmt s;
  s.kind = StmtKind::accumulate;
  s.scalar = scalar;
  s.combine = combine;
  s.value = std::move(value);
  return s;
}

Stmt make_gemm(Gemm g) {
  Stmt s;
  s.kind = StmtKind::gemm;
  s.gemm = g;
  return s;
}

Stmt make_if(ExprPtr condition, std::vector<Stmt> body) {
  GRAPHC_ASSERT(condition->dtype == DType::boolean, "an if condition must be boolean");
  Stmt s;
  s.kind = StmtKind::if_then;
  s.value = std::move(condition);
  s.body = std::move(body);
  return s;
}

BufferId Kernel::add_buffer(Buffer b) {
  buffers.push_back(std::move(b));
  return static_cast<BufferId>(buffers.size() - 1);
}

ScalarId Kernel::add_scalar(DType t) {
  scalars.push_back(t);
  return static_cast<ScalarId>(scalars.size() - 1);
}

namespace {

std::string_view role_name(BufferRole r) {
  switch (r) {
    case BufferRole::input: return "in";
    case BufferRole::output: return "out";
    case BufferRole::scratch: return "scratch";
  }
  return "?";
}

std::string expr_str(const Expr& e) {
  std::ostringstream os;
  switch (e.kind) {
    case ExprKind::constant: os << e.value; break;
    case ExprKind::batch_size: os << "n"; break;
    case ExprKind::loop_index: os << "i" << e.var; break;
    case ExprKind::load: os << "b" << e.buffer << "[" << e.index.str() << "]"; break;
    case ExprKind::scalar: os << "s" << e.scalar; break;
    case ExprKind::cast: os << dtype_name(e.dtype) << "(" << expr_str(*e.operands[0]) << ")"; break;
    case ExprKind::philox:
      os << "philox(" << expr_str(*e.operands[0]) << ", " << expr_str(*e.operands[1]) << ", "
         << expr_str(*e.operands[2]) << ")";
      break;
    case ExprKind::op: {
      os << op_name(e.op) << "(";
      for (size_t i = 0; i < e.operands.size(); ++i) os << (i ? ", " : "") << expr_str(*e.operands[i]);
      os << ")";
      break;
    }
  }
  return os.str();
}

void print_stmts(std::ostringstream& os, const std::vector<Stmt>& body, int depth) {
  const std::string pad(static_cast<size_t>(depth) * 2, ' ');
  for (const Stmt& s : body) {
    switch (s.kind) {
      case StmtKind::loop:
        os << pad << "for i" << s.var << " < " << s.extent.str();
        if (s.parallel) os << " parallel";
        if (s.vectorize) os << " vectorize";
        os << ":\n";
        print_stmts(os, s.body, depth + 1);
        break;
      case StmtKind::store:
        os << pad << "b" << s.buffer << "[" << s.index.str() << "] = " << expr_str(*s.value) << "\n";
        break;
      case StmtKind::let: os << pad << "s" << s.scalar << " = " << expr_str(*s.value) << "\n"; break;
      case StmtKind::if_then:
        os << pad << "if " << expr_str(*s.value) << ":\n";
        print_stmts(os, s.body, depth + 1);
        break;
      case StmtKind::accumulate:
        os << pad << "s" << s.scalar << (s.combine == Combine::sum ? " += " : " max= ") << expr_str(*s.value) << "\n";
        break;
      case StmtKind::gemm: {
        const Gemm& g = s.gemm;
        os << pad << "gemm b" << g.c << " = " << g.alpha << " * b" << g.a << (g.transpose_a ? "^T" : "") << " @ b"
           << g.b << (g.transpose_b ? "^T" : "") << " + " << g.beta << " * b" << g.c << "  m=" << g.m.str()
           << " n=" << g.n_cols.str() << " k=" << g.k.str() << " batch=" << g.batch.str();
        if (g.groups != 1) os << " groups=" << g.groups;
        if (g.reduce_batch) os << " reduce_batch";
        if (g.reduce_runs > 1) os << " runs=" << g.reduce_runs << " partials=b" << g.partials;
        if (g.has_b_window) {
          const GemmWindow& w = g.b_window;
          auto axis = [&](const GemmWindow::Axis& a) {
            os << a.grid_scale << "*g+" << a.tap_scale << "*t+" << a.shift << ")/" << a.divisor;
          };
          os << " b_window=[c=" << w.channels << " kernel=" << w.kernel_h << "x" << w.kernel_w
             << " grid=" << w.grid_h << "x" << w.grid_w << " image=" << w.image_h << "x" << w.image_w << " y=(";
          axis(w.y);
          os << " x=(";
          axis(w.x);
          os << "]";
        }
        os << "\n";
        break;
      }
    }
  }
}

}  // namespace

std::string print_kernel(const Kernel& k) {
  std::ostringstream os;
  os << "kernel " << k.name << "(";
  for (size_t i = 0; i < k.buffers.size(); ++i) {
    const Buffer& b = k.buffers[i];
    if (i) os << ", ";
    os << "b" << i << ": " << role_name(b.role) << " " << dtype_name(b.dtype) << "[" << b.elements.str() << "] "
       << b.name;
  }
  os << ", n)\n";
  if (!k.what.empty()) os << "  // " << k.what << "\n";
  print_stmts(os, k.body, 1);
  return os.str();
}

}  // namespace graphc::codegen
