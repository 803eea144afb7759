// Kernel IR expressions and statements -> CUDA C run by one thread. The
// semantics are codegen/cpu/function_emitter.cpp's, written as C:
// - every op's result is cast to its register type, so C's integer
//   promotions (u8 + u8 is an int) never leak into an enclosing expression;
// - float comparisons are C's: ordered except !=, as LLVM's OLT/UNE;
// - max/min/relu pick NaN from either side (gc_max/gc_min in the prelude),
//   Accumulate max keeps the first NaN (gc_acc_max);
// - float -> int truncates through long long; NaN converts to true;
// - strings start as std::string (g++ 12 misreports "literal" + std::string);
// - float constants are written exactly: integers as 2.0f, others as
//   hexadecimal literals, infinities
//   and NaNs by their bits.
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "codegen/cuda/cuda_emitter_internal.h"
#include "ir/error.h"

namespace graphc::codegen::cuda::detail {

std::string memory_type(DType t) {
  switch (t) {
    case DType::f32: return "float";
    case DType::f64: return "double";
    case DType::i32: return "int";
    case DType::i64: return "long long";
    case DType::u8:
    case DType::boolean: return "unsigned char";
    case DType::f16:
    case DType::bf16: break;
  }
  throw Error(cat("the CUDA emitter does not support ", dtype_name(t), " buffers yet"));
}

std::string register_type(DType t) { return t == DType::boolean ? "bool" : memory_type(t); }

std::string size_text(const SizeExpr& s) {
  std::string c = std::to_string(s.constant);
  c += "LL";
  if (s.per_n == 0) return c;
  std::string scaled = "n";
  if (s.per_n != 1) {
    scaled = std::to_string(s.per_n);
    scaled += "LL * n";
  }
  if (s.constant == 0) return std::string("(") + scaled + ")";
  std::string sum = "(";
  sum += c;
  sum += " + ";
  sum += scaled;
  sum += ")";
  return sum;
}

std::string safe_identifier(const std::string& name) {
  std::string out;
  for (char ch : name) {
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_';
    out += ok ? ch : '_';
  }
  if (out.empty() || (out[0] >= '0' && out[0] <= '9')) out.insert(out.begin(), 'k');
  return out;
}

std::string buffer_name(BufferId b) {
  std::string s = "b";
  s += std::to_string(b);
  return s;
}
std::string var_name(VarId v) {
  std::string s = "i";
  s += std::to_string(v);
  return s;
}
std::string scalar_name(ScalarId v) {
  std::string s = "r";
  s += std::to_string(v);
  return s;
}

void collect_uses(const Expr& e, Uses& uses) {
  if (e.kind == ExprKind::loop_index) uses.vars.insert(e.var);
  if (e.kind == ExprKind::scalar) uses.scalars_read.insert(e.scalar);
  if (e.kind == ExprKind::load) {
    uses.loaded.insert(e.buffer);
    for (const AffineIndex::Term& t : e.index.terms) uses.vars.insert(t.var);
  }
  for (const ExprPtr& operand : e.operands) collect_uses(*operand, uses);
}

void collect_uses(const Stmt& s, Uses& uses) {
  if (s.value) collect_uses(*s.value, uses);
  if (s.kind == StmtKind::accumulate) uses.scalars_read.insert(s.scalar);  // it folds into its old value
  if (s.kind == StmtKind::store) {
    uses.stored.insert(s.buffer);
    for (const AffineIndex::Term& t : s.index.terms) uses.vars.insert(t.var);
  }
  if (s.kind == StmtKind::gemm) {
    uses.loaded.insert(s.gemm.a);
    uses.loaded.insert(s.gemm.b);
    uses.stored.insert(s.gemm.c);
    if (s.gemm.beta != 0) uses.loaded.insert(s.gemm.c);
  }
  for (const Stmt& child : s.body) collect_uses(child, uses);
}

// ---- expressions ----

std::string BodyWriter::constant(double value, DType t) {
  char text[64];
  switch (t) {
    case DType::f32: {
      const float f = static_cast<float>(value);
      if (f != f || f - f != 0) {  // NaN or infinity: by its bits
        uint32_t bits = 0;
        std::memcpy(&bits, &f, sizeof bits);
        std::snprintf(text, sizeof text, "__int_as_float(0x%08" PRIx32 ")", bits);
      } else if (std::fabs(f) < 1e7f && f == static_cast<float>(static_cast<int64_t>(f))) {
        std::snprintf(text, sizeof text, "%.1ff", static_cast<double>(f));  // exact, and readable
      } else {
        std::snprintf(text, sizeof text, "%af", static_cast<double>(f));
      }
      return text;
    }
    case DType::f64:
      if (value != value || value - value != 0) {
        uint64_t bits = 0;
        std::memcpy(&bits, &value, sizeof bits);
        std::snprintf(text, sizeof text, "__longlong_as_double(0x%016" PRIx64 "LL)", bits);
      } else if (std::fabs(value) < 1e15 && value == static_cast<double>(static_cast<int64_t>(value))) {
        std::snprintf(text, sizeof text, "%.1f", value);
      } else {
        std::snprintf(text, sizeof text, "%a", value);
      }
      return text;
    case DType::boolean: return value != 0 ? "true" : "false";
    case DType::i64: {
      const int64_t v = static_cast<int64_t>(value);
      if (v == INT64_MIN) return "(-9223372036854775807LL - 1LL)";
      std::snprintf(text, sizeof text, "%" PRId64 "LL", v);
      return text;
    }
    case DType::i32: {
      const int32_t v = static_cast<int32_t>(static_cast<int64_t>(value));
      if (v == INT32_MIN) return "(-2147483647 - 1)";
      return std::to_string(v);
    }
    case DType::u8: {
      const auto v = static_cast<uint8_t>(static_cast<int64_t>(value));
      std::string s = "((unsigned char)";
      s += std::to_string(v);
      s += ")";
      return s;
    }
    case DType::f16:
    case DType::bf16: break;
  }
  return register_type(t);  // throws: unsupported type
}

std::string BodyWriter::to_bool(const std::string& v, DType from) {
  if (from == DType::boolean) return v;
  // NaN is "not zero", hence true: C's != is unordered.
  return std::string("(") + v + " != " + constant(0, from) + ")";
}

std::string BodyWriter::convert(const std::string& v, DType from, DType to) {
  if (from == to) return v;
  if (to == DType::boolean) return to_bool(v, from);
  const std::string target = register_type(to);
  // Truncates toward zero; through long long so that u8 wraps as the interpreter does.
  if (is_float(from) && !is_float(to)) return std::string("((") + target + ")(long long)(" + v + "))";
  return std::string("((") + target + ")(" + v + "))";
}

std::string BodyWriter::index(const AffineIndex& ix) {
  std::string sum = size_text(ix.offset);
  for (const AffineIndex::Term& t : ix.terms) {
    sum += " + ";
    if (t.coeff == SizeExpr(1)) {
      sum += var_name(t.var);
    } else {
      sum += size_text(t.coeff);
      sum += " * ";
      sum += var_name(t.var);
    }
  }
  return sum;
}

std::string BodyWriter::lane_or(const std::string& at) const {
  if (lanes_ == nullptr) return at;
  auto it = lanes_->temps.find(at);
  return it == lanes_->temps.end() ? at : it->second + lanes_->component;
}

std::string BodyWriter::load(BufferId b, const AffineIndex& ix) {
  const std::string at = lane_or(buffer_name(b) + "[" + index(ix) + "]");
  if (kernel_.buffers[static_cast<size_t>(b)].dtype == DType::boolean) return std::string("(") + at + " != 0)";
  return at;
}

std::string BodyWriter::op(const Expr& e) {
  std::vector<std::string> x;
  for (const ExprPtr& operand : e.operands) x.push_back(expr(*operand));
  const DType operand_type = e.operands[0]->dtype;
  const bool fp = is_float(operand_type), f64 = operand_type == DType::f64;
  const bool uns = operand_type == DType::u8 || operand_type == DType::boolean;
  auto require_float = [&] { GRAPHC_ASSERT(fp, op_name(e.op), " on ", dtype_name(operand_type), " in codegen"); };
  auto call = [&](const char* f32_name, const char* f64_name, const std::string& arg) {
    std::string s = f64 ? f64_name : f32_name;
    s += "(";
    s += arg;
    s += ")";
    return s;
  };
  auto typed = [&](const std::string& body) { return std::string("((") + register_type(e.dtype) + ")(" + body + "))"; };
  auto binary = [&](const char* sign) { return typed(x[0] + " " + sign + " " + x[1]); };
  const std::string one = fp ? constant(1, operand_type) : "1";
  switch (e.op) {
    case OpKind::neg: return typed(std::string("-") + x[0]);
    case OpKind::exp: require_float(); return call("expf", "exp", x[0]);
    case OpKind::log: require_float(); return call("logf", "log", x[0]);
    case OpKind::sqrt: require_float(); return call("sqrtf", "sqrt", x[0]);
    case OpKind::rsqrt: require_float(); return typed(one + " / " + call("sqrtf", "sqrt", x[0]));
    case OpKind::tanh: require_float(); return call("tanhf", "tanh", x[0]);
    case OpKind::sigmoid:
      // 1/(1+e^-x): e^-x overflowing to inf gives exactly 0, as it should.
      require_float();
      return typed(one + " / (" + one + " + " + call("expf", "exp", std::string("-") + x[0]) + ")");
    case OpKind::relu:
      if (fp) return std::string("gc_max(") + x[0] + ", " + constant(0, operand_type) + ")";
      if (uns) return x[0];
      return typed(std::string("(") + x[0] + ") > 0 ? (" + x[0] + ") : 0");
    case OpKind::abs:
      if (fp) return call("fabsf", "fabs", x[0]);
      if (uns) return x[0];
      return typed(std::string("(") + x[0] + ") < 0 ? -(" + x[0] + ") : (" + x[0] + ")");
    case OpKind::add: return binary("+");
    case OpKind::sub: return binary("-");
    case OpKind::mul: return binary("*");
    case OpKind::div: return binary("/");
    case OpKind::max:
      if (fp) return std::string("gc_max(") + x[0] + ", " + x[1] + ")";
      return typed(std::string("(") + x[0] + ") > (" + x[1] + ") ? (" + x[0] + ") : (" + x[1] + ")");
    case OpKind::min:
      if (fp) return std::string("gc_min(") + x[0] + ", " + x[1] + ")";
      return typed(std::string("(") + x[0] + ") < (" + x[1] + ") ? (" + x[0] + ") : (" + x[1] + ")");
    case OpKind::pow: require_float(); return f64 ? std::string("pow(") + x[0] + ", " + x[1] + ")" : std::string("powf(") + x[0] + ", " + x[1] + ")";
    case OpKind::eq: return std::string("(") + x[0] + " == " + x[1] + ")";
    case OpKind::ne: return std::string("(") + x[0] + " != " + x[1] + ")";
    case OpKind::lt: return std::string("(") + x[0] + " < " + x[1] + ")";
    case OpKind::le: return std::string("(") + x[0] + " <= " + x[1] + ")";
    case OpKind::gt: return std::string("(") + x[0] + " > " + x[1] + ")";
    case OpKind::ge: return std::string("(") + x[0] + " >= " + x[1] + ")";
    case OpKind::select:
      return std::string("(") + to_bool(x[0], operand_type) + " ? " + convert(x[1], e.operands[1]->dtype, e.dtype) + " : " +
             convert(x[2], e.operands[2]->dtype, e.dtype) + ")";
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
  ::graphc::detail::assert_fail("expression op", __FILE__, __LINE__, cat(op_name(e.op), " is not an expression op"));
}

std::string BodyWriter::expr(const Expr& e) {
  switch (e.kind) {
    case ExprKind::constant: return constant(e.value, e.dtype);
    case ExprKind::batch_size: return convert("n", DType::i64, e.dtype);
    case ExprKind::loop_index: return convert(var_name(e.var), DType::i64, e.dtype);
    case ExprKind::load: return load(e.buffer, e.index);
    case ExprKind::scalar: return scalar_name(e.scalar);
    case ExprKind::cast: return convert(expr(*e.operands[0]), e.operands[0]->dtype, e.dtype);
    case ExprKind::op: return op(e);
    case ExprKind::philox:
      return std::string("gc_philox(") + expr(*e.operands[0]) + ", " + expr(*e.operands[1]) + ", " + expr(*e.operands[2]) + ")";
  }
  GRAPHC_ASSERT(false, "unknown expression kind");
}

// ---- statements ----

std::ostream& BodyWriter::line(int indent) {
  for (int i = 0; i < indent; ++i) out_ << "  ";
  return out_;
}

void BodyWriter::declare_scalars(int indent) {
  for (ScalarId s : live_) {
    const DType t = kernel_.scalars[static_cast<size_t>(s)];
    line(indent) << register_type(t) << " " << scalar_name(s) << " = " << constant(0, t) << ";\n";
  }
}

void BodyWriter::body(const std::vector<Stmt>& stmts, int indent) {
  for (const Stmt& s : stmts) stmt(s, indent);
}

void BodyWriter::stmt(const Stmt& s, int indent) {
  switch (s.kind) {
    case StmtKind::loop:
      // Inside a thread every loop, parallel or not, runs in the IR's order.
      line(indent) << "for (long long " << var_name(s.var) << " = 0; " << var_name(s.var) << " < "
                   << size_text(s.extent) << "; ++" << var_name(s.var) << ") {\n";
      body(s.body, indent + 1);
      line(indent) << "}\n";
      return;
    case StmtKind::store: {
      const DType t = kernel_.buffers[static_cast<size_t>(s.buffer)].dtype;
      std::string v = convert(expr(*s.value), s.value->dtype, t);
      if (t == DType::boolean) v = std::string("(unsigned char)(") + v + ")";
      line(indent) << lane_or(buffer_name(s.buffer) + "[" + index(s.index) + "]") << " = " << v << ";\n";
      return;
    }
    case StmtKind::let: {
      if (!live_.count(s.scalar)) return;  // never read: a dead register
      const DType t = kernel_.scalars[static_cast<size_t>(s.scalar)];
      line(indent) << scalar_name(s.scalar) << " = " << convert(expr(*s.value), s.value->dtype, t) << ";\n";
      return;
    }
    case StmtKind::accumulate: {
      const DType t = kernel_.scalars[static_cast<size_t>(s.scalar)];
      const std::string acc = scalar_name(s.scalar);
      const std::string v = convert(expr(*s.value), s.value->dtype, t);
      if (s.combine == Combine::sum)
        line(indent) << acc << " = (" << register_type(t) << ")(" << acc << " + " << v << ");\n";
      else if (is_float(t))
        line(indent) << acc << " = gc_acc_max(" << acc << ", " << v << ");\n";
      else
        line(indent) << "{ const " << register_type(t) << " v = " << v << "; if (v > " << acc << ") " << acc
                     << " = v; }\n";
      return;
    }
    case StmtKind::gemm:
      GRAPHC_ASSERT(false, "a Gemm inside a loop nest: the CUDA emitter launches Gemms as top-level statements");
      return;
    case StmtKind::if_then:
      line(indent) << "if (" << to_bool(expr(*s.value), s.value->dtype) << ") {\n";
      body(s.body, indent + 1);
      line(indent) << "}\n";
      return;
  }
}

std::string extent_product(const std::vector<const Stmt*>& loops) {
  std::string total;
  for (const Stmt* loop : loops) total += (total.empty() ? "" : " * ") + size_text(loop->extent);
  return total;
}

void write_loop_variables(const std::vector<const Stmt*>& loops, const std::string& flat, const std::set<VarId>& used,
                          int indent, std::ostringstream& out) {
  const std::string pad(static_cast<size_t>(indent) * 2, ' ');
  std::string inner_product;  // product of the extents inside loop j
  for (size_t j = loops.size(); j-- > 0;) {
    const Stmt& loop = *loops[j];
    if (used.count(loop.var)) {
      std::string v = inner_product.empty() ? flat : "gc_div(" + flat + ", " + inner_product + ")";
      if (j > 0) v = "gc_mod(" + v + ", " + size_text(loop.extent) + ")";
      out << pad << "const long long " << var_name(loop.var) << " = " << v << ";\n";
    }
    inner_product += (inner_product.empty() ? "" : " * ") + size_text(loop.extent);
  }
}

}  // namespace graphc::codegen::cuda::detail
