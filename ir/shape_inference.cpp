#include "ir/shape_inference.h"

#include <algorithm>
#include <set>

namespace graphc {

namespace {

std::string dim_str(int64_t d) { return d == kBatch ? "N" : std::to_string(d); }

// Throws the shape error for node n: "op(types): what".
struct Checker {
  const Node& n;
  std::span<const TensorType> in;

  [[noreturn]] void fail(const std::string& what) const {
    std::string s(op_name(n.op));
    s += "(";
    for (size_t i = 0; i < in.size(); ++i) {
      if (i) s += ", ";
      s += in[i].str();
    }
    s += "): " + what;
    throw Error(s);
  }
  void require(bool ok, const std::string& what) const {
    if (!ok) fail(what);
  }
  void require_float(size_t i) const {
    require(is_float(in[i].dtype), cat("operand ", i, " must be floating point, got ", dtype_name(in[i].dtype)));
  }
  void require_rank(size_t i, size_t r) const {
    require(in[i].shape.rank() == r, cat("operand ", i, " must have rank ", r, ", got ", in[i].shape.str()));
  }
  void require_same_dtype() const {
    for (size_t i = 1; i < in.size(); ++i)
      require(in[i].dtype == in[0].dtype, cat("operand dtypes differ (", dtype_name(in[0].dtype), " vs ",
                                              dtype_name(in[i].dtype), ")"));
  }
  int64_t axis(std::string_view attr, size_t rank) const {
    int64_t a = n.i(attr);
    require(a >= 0 && a < static_cast<int64_t>(rank), cat(attr, "=", a, " is out of range for rank ", rank));
    return a;
  }
  // A (height, width) window attribute. The upper bound keeps window
  // arithmetic on hostile values (a stride of 2^62) from overflowing.
  const std::vector<int64_t>& pair(std::string_view attr, int64_t min) const {
    const auto& v = n.ints(attr);
    require(v.size() == 2, cat(attr, " must have 2 values (height, width), got ", v.size()));
    for (int64_t x : v)
      require(x >= min && x <= kMaxDim,
              cat(attr, " values must be in [", min, ", 2^31], got ", attr_str(v, AttrType::ints)));
    return v;
  }
  void require_static(const Shape& s, size_t from, const char* what) const {
    for (size_t i = from; i < s.rank(); ++i)
      require(s[i] != kBatch, cat(what, " may hold N only as its first dimension, got ", s.str()));
  }
  Shape shape_attr(std::string_view attr) const {
    Shape s(n.ints(attr));
    std::string p = s.problem();
    require(p.empty(), cat(attr, "=", s.str(), ": ", p));
    return s;
  }
};

Shape window_shape(const Checker& c, const Shape& x, int64_t channels, const std::vector<int64_t>& k,
                   const std::vector<int64_t>& stride, const std::vector<int64_t>& pad,
                   const std::vector<int64_t>& dil) {
  int64_t oh = window_out(x[2], k[0], stride[0], pad[0], dil[0]);
  int64_t ow = window_out(x[3], k[1], stride[1], pad[1], dil[1]);
  c.require(oh > 0 && ow > 0, cat("window ", k[0], "x", k[1], " (dilation ", dil[0], "x", dil[1], ", padding ", pad[0],
                                  "x", pad[1], ") does not fit the input ", x[2], "x", x[3]));
  Shape out{x[0], channels, oh, ow};
  c.require(out.problem().empty(), cat("result ", out.str(), ": ", out.problem()));
  return out;
}

Shape conv_shape(const Checker& c, const Shape& x, const Shape& w) {
  c.require(x.rank() == 4 && w.rank() == 4, cat("conv2d needs x[N,C,H,W] and w[O,C/g,KH,KW], got ", x.str(), " and ", w.str()));
  c.require_static(x, 1, "conv input");
  c.require(!w.has_batch(), "conv weight may not hold N");
  auto stride = c.pair("stride", 1), pad = c.pair("padding", 0), dil = c.pair("dilation", 1);
  int64_t groups = c.n.i("groups");
  c.require(groups >= 1, cat("groups must be at least 1, got ", groups));
  c.require(x[1] % groups == 0 && w[0] % groups == 0,
            cat("input channels ", x[1], " and output channels ", w[0], " must both divide by groups=", groups));
  c.require(w[1] == x[1] / groups,
            cat("weight expects ", w[1], " channels per group, input has ", x[1], "/", groups, "=", x[1] / groups));
  return window_shape(c, x, w[0], {w[2], w[3]}, stride, pad, dil);
}

Shape max_pool_shape(const Checker& c, const Shape& x) {
  c.require(x.rank() == 4, cat("pooling needs x[N,C,H,W], got ", x.str()));
  c.require_static(x, 1, "pool input");
  auto k = c.pair("kernel", 1), stride = c.pair("stride", 1), pad = c.pair("padding", 0), dil = c.pair("dilation", 1);
  c.require(pad[0] * 2 <= k[0] && pad[1] * 2 <= k[1], "padding must be at most half the kernel");
  return window_shape(c, x, x[1], k, stride, pad, dil);
}

Shape avg_pool_shape(const Checker& c, const Shape& x) {
  c.require(x.rank() == 4, cat("pooling needs x[N,C,H,W], got ", x.str()));
  c.require_static(x, 1, "pool input");
  auto k = c.pair("kernel", 1), stride = c.pair("stride", 1), pad = c.pair("padding", 0);
  c.require(pad[0] * 2 <= k[0] && pad[1] * 2 <= k[1], "padding must be at most half the kernel");
  return window_shape(c, x, x[1], k, stride, pad, {1, 1});
}

Shape broadcast_all(const Checker& c) {
  Shape out = c.in[0].shape;
  for (size_t i = 1; i < c.in.size(); ++i) {
    auto b = broadcast_shapes(out, c.in[i].shape);
    c.require(b.has_value(), "shapes do not broadcast (each dimension must match or be 1; N matches only N or 1)");
    out = *b;
  }
  return out;
}

TensorType reduce_type(const Checker& c) {
  const Shape& x = c.in[0].shape;
  std::set<int64_t> axes;
  for (int64_t a : c.n.ints("axes")) {
    c.require(a >= 0 && a < static_cast<int64_t>(x.rank()), cat("axis ", a, " is out of range for rank ", x.rank()));
    c.require(axes.insert(a).second, cat("axis ", a, " is listed twice"));
  }
  bool keep = c.n.b("keepdims");
  std::vector<int64_t> dims;
  for (size_t i = 0; i < x.rank(); ++i) {
    if (!axes.count(static_cast<int64_t>(i)))
      dims.push_back(x[i]);
    else if (keep)
      dims.push_back(1);
  }
  return {c.in[0].dtype, Shape(dims)};
}

TensorType matmul_type(const Checker& c) {
  const Shape &a = c.in[0].shape, &b = c.in[1].shape;
  c.require_same_dtype();
  c.require_float(0);
  c.require(a.rank() >= 2 && (b.rank() == 2 || b.rank() == a.rank()),
            "a needs rank >= 2 and b rank 2 or the rank of a");
  size_t r = a.rank();
  for (size_t i = 0; i + 2 < b.rank(); ++i)
    c.require(a[i] == b[i], cat("batch dimensions differ at axis ", i, " (", dim_str(a[i]), " vs ", dim_str(b[i]), ")"));
  bool ta = c.n.b("transpose_a"), tb = c.n.b("transpose_b");
  int64_t m = ta ? a[r - 1] : a[r - 2], ka = ta ? a[r - 2] : a[r - 1];
  size_t rb = b.rank();
  int64_t kb = tb ? b[rb - 1] : b[rb - 2], p = tb ? b[rb - 2] : b[rb - 1];
  c.require(ka == kb, cat("inner dimensions differ (", dim_str(ka), " vs ", dim_str(kb), ")"));
  std::vector<int64_t> dims(a.dims().begin(), a.dims().end() - 2);
  dims.push_back(m);
  dims.push_back(p);
  Shape out(dims);
  c.require(out.problem().empty(), cat("result ", out.str(), ": ", out.problem()));
  return {c.in[0].dtype, out};
}

TensorType reshape_type(const Checker& c) {
  const Shape& x = c.in[0].shape;
  Shape s = c.shape_attr("shape");
  c.require(x.has_batch() == s.has_batch(), cat("N must appear in both shapes or neither (target ", s.str(), ")"));
  if (x.has_batch())
    c.require(x.static_numel() == s.static_numel(), cat("target ", s.str(), " holds ", s.static_numel(),
                                                        " elements per batch row, the input ", x.static_numel()));
  else
    c.require(x.static_numel() == s.static_numel(),
              cat("target ", s.str(), " holds ", s.static_numel(), " elements, the input ", x.static_numel()));
  return {c.in[0].dtype, s};
}

TensorType broadcast_type(const Checker& c) {
  const Shape& x = c.in[0].shape;
  Shape s = c.shape_attr("shape");
  c.require(s.rank() >= x.rank(), cat("cannot broadcast to lower rank ", s.str()));
  size_t off = s.rank() - x.rank();
  for (size_t i = 0; i < x.rank(); ++i)
    c.require(x[i] == s[off + i] || x[i] == 1, cat("dimension ", i, " cannot broadcast to ", s.str()));
  return {c.in[0].dtype, s};
}

TensorType transpose_type(const Checker& c) {
  const Shape& x = c.in[0].shape;
  const auto& perm = c.n.ints("perm");
  c.require(perm.size() == x.rank(), cat("perm has ", perm.size(), " entries for rank ", x.rank()));
  std::vector<bool> seen(x.rank(), false);
  std::vector<int64_t> dims;
  for (int64_t p : perm) {
    c.require(p >= 0 && p < static_cast<int64_t>(x.rank()) && !seen[p], cat("perm ", attr_str(perm, AttrType::ints), " is not a permutation"));
    seen[p] = true;
    dims.push_back(x[p]);
  }
  return {c.in[0].dtype, Shape(dims)};
}

TensorType slice_type(const Checker& c) {
  const Shape& x = c.in[0].shape;
  const auto &b = c.n.ints("begin"), &e = c.n.ints("end"), &st = c.n.ints("step");
  c.require(b.size() == x.rank() && e.size() == x.rank() && st.size() == x.rank(), "begin, end and step need one entry per axis");
  std::vector<int64_t> dims;
  for (size_t i = 0; i < x.rank(); ++i) {
    if (x[i] == kBatch) {
      c.require(b[i] == 0 && e[i] == kBatch && st[i] == 1, "the N axis can only be taken whole (begin 0, end N, step 1)");
      dims.push_back(kBatch);
      continue;
    }
    c.require(st[i] >= 1 && b[i] >= 0 && b[i] < e[i] && e[i] <= x[i],
              cat("axis ", i, ": need 0 <= begin < end <= ", x[i], " and step >= 1, got ", b[i], ":", e[i], ":", st[i]));
    dims.push_back((e[i] - b[i] - 1) / st[i] + 1);  // ceil((end - begin) / step) without overflow
  }
  return {c.in[0].dtype, Shape(dims)};
}

TensorType pad_type(const Checker& c) {
  const Shape& x = c.in[0].shape;
  const auto &lo = c.n.ints("low"), &hi = c.n.ints("high");
  c.require(lo.size() == x.rank() && hi.size() == x.rank(), "low and high need one entry per axis");
  std::vector<int64_t> dims;
  for (size_t i = 0; i < x.rank(); ++i) {
    c.require(lo[i] >= 0 && hi[i] >= 0 && lo[i] <= kMaxDim && hi[i] <= kMaxDim,
              cat("axis ", i, ": padding must be in [0, 2^31], got low ", lo[i], " high ", hi[i]));
    c.require(x[i] != kBatch || (lo[i] == 0 && hi[i] == 0), "the N axis cannot be padded");
    dims.push_back(x[i] == kBatch ? kBatch : x[i] + lo[i] + hi[i]);
  }
  Shape out(dims);
  c.require(out.problem().empty(), cat("result ", out.str(), ": ", out.problem()));
  return {c.in[0].dtype, out};
}

TensorType concat_type(const Checker& c) {
  c.require_same_dtype();
  const Shape& x = c.in[0].shape;
  int64_t ax = c.axis("axis", x.rank());
  c.require(x[ax] != kBatch, "cannot concatenate along N");
  std::vector<int64_t> dims = x.dims();
  for (size_t i = 1; i < c.in.size(); ++i) {
    const Shape& y = c.in[i].shape;
    c.require(y.rank() == x.rank(), "operands must have equal rank");
    for (size_t d = 0; d < x.rank(); ++d)
      if (static_cast<int64_t>(d) != ax) c.require(y[d] == x[d], cat("operands differ on axis ", d));
    dims[ax] += y[ax];
    c.require(dims[ax] <= kMaxDim, cat("axis ", ax, " grows past 2^31"));  // before a later sum can overflow
  }
  Shape out(dims);
  c.require(out.problem().empty(), cat("result ", out.str(), ": ", out.problem()));
  return {c.in[0].dtype, out};
}

TensorType source_type(const Checker& c) {
  const Node& n = c.n;
  std::string p = n.type.shape.problem();
  c.require(p.empty(), cat("type ", n.type.str(), ": ", p));
  switch (n.op) {
    case OpKind::input: {
      c.require(!n.s("name").empty(), "input needs a name");
      auto role = parse_input_role(n.s("role"));
      c.require(role.has_value(), cat("unknown input role \"", n.s("role"), "\" (data, label, state or seed)"));
      if (*role == InputRole::seed) c.require(n.type == TensorType{DType::i64, {}}, "a seed input must be i64[]");
      break;
    }
    case OpKind::parameter: {
      c.require(!n.s("name").empty(), "parameter needs a name");
      c.require(!n.type.shape.has_batch(), cat("parameter ", n.s("name"), " may not depend on N"));
      c.require(is_float(n.type.dtype), "parameters must be floating point");
      InitSpec init{n.s("init"), n.floats("init_args")};
      c.require(init.problem().empty(), cat("parameter ", n.s("name"), ": ", init.problem()));
      break;
    }
    case OpKind::constant: c.require(n.type.shape.rank() == 0, "constants are scalars"); break;
    case OpKind::batch_size: return {DType::f32, {}};
    default: GRAPHC_ASSERT(false, "not a source op");
  }
  return n.type;
}

}  // namespace

int64_t window_out(int64_t in, int64_t kernel, int64_t stride, int64_t pad, int64_t dilation) {
  if (kernel < 1 || stride < 1 || dilation < 1 || pad < 0) return 0;
  // 128-bit so that no attribute values can overflow; callers bound the result.
  __int128 span = static_cast<__int128>(dilation) * (static_cast<__int128>(kernel) - 1) + 1;
  __int128 room = static_cast<__int128>(in) + 2 * static_cast<__int128>(pad) - span;
  if (room < 0) return 0;
  __int128 out = room / stride + 1;
  return out > INT64_MAX ? INT64_MAX : static_cast<int64_t>(out);
}

std::optional<Shape> broadcast_shapes(const Shape& a, const Shape& b) {
  size_t r = std::max(a.rank(), b.rank());
  std::vector<int64_t> dims(r);
  for (size_t i = 0; i < r; ++i) {
    int64_t x = i < r - a.rank() ? 1 : a[i - (r - a.rank())];
    int64_t y = i < r - b.rank() ? 1 : b[i - (r - b.rank())];
    if (x == y || y == 1)
      dims[i] = x;
    else if (x == 1)
      dims[i] = y;
    else
      return std::nullopt;
  }
  Shape s(dims);
  if (!s.problem().empty()) return std::nullopt;
  return s;
}

void check_signature(const Node& n) {
  const OpInfo& info = n.info();
  if (info.arity >= 0 && n.operands.size() != static_cast<size_t>(info.arity))
    throw Error(cat(info.name, ": takes ", info.arity, " operand", info.arity == 1 ? "" : "s", ", got ", n.operands.size()));
  if (info.arity < 0 && n.operands.empty()) throw Error(cat(info.name, ": needs at least one operand"));
  for (const auto& spec : info.attrs) {
    auto it = n.attrs.find(std::string(spec.name));
    if (it == n.attrs.end()) throw Error(cat(info.name, ": missing attribute '", spec.name, "'"));
    if (!attr_has_type(it->second, spec.type))
      throw Error(cat(info.name, ": attribute '", spec.name, "' must be ", attr_type_name(spec.type)));
  }
  for (const auto& [name, value] : n.attrs)
    if (!find_attr_spec(n.op, name)) throw Error(cat(info.name, ": unknown attribute '", name, "'"));
}

TensorType infer_type(const Node& n, std::span<const TensorType> in) {
  Checker c{n, in};
  const DType dt = in.empty() ? n.type.dtype : in[0].dtype;
  switch (n.op) {
    case OpKind::input:
    case OpKind::parameter:
    case OpKind::constant:
    case OpKind::batch_size: return source_type(c);

    case OpKind::exp:
    case OpKind::log:
    case OpKind::sqrt:
    case OpKind::rsqrt:
    case OpKind::tanh:
    case OpKind::sigmoid: c.require_float(0); return in[0];
    case OpKind::neg:
    case OpKind::relu:
    case OpKind::abs: c.require(dt != DType::boolean, "operand may not be bool"); return in[0];
    case OpKind::cast: return {n.dtype_attr("dtype"), in[0].shape};

    case OpKind::add:
    case OpKind::sub:
    case OpKind::mul:
    case OpKind::div:
    case OpKind::max:
    case OpKind::min:
    case OpKind::pow:
      c.require_same_dtype();
      c.require(dt != DType::boolean, "arithmetic on bool");
      return {dt, broadcast_all(c)};
    case OpKind::eq:
    case OpKind::ne:
    case OpKind::lt:
    case OpKind::le:
    case OpKind::gt:
    case OpKind::ge: c.require_same_dtype(); return {DType::boolean, broadcast_all(c)};
    case OpKind::select: {
      c.require(in[0].dtype == DType::boolean, "the condition must be bool");
      c.require(in[1].dtype == in[2].dtype, "both branches must have the same dtype");
      return {in[1].dtype, broadcast_all(c)};
    }

    case OpKind::reduce_sum:
    case OpKind::reduce_max: return reduce_type(c);
    case OpKind::argmax: {
      int64_t ax = c.axis("axis", in[0].shape.rank());
      std::vector<int64_t> dims = in[0].shape.dims();
      dims.erase(dims.begin() + ax);
      return {DType::i32, Shape(dims)};
    }

    case OpKind::reshape: return reshape_type(c);
    case OpKind::transpose: return transpose_type(c);
    case OpKind::broadcast: return broadcast_type(c);
    case OpKind::slice: return slice_type(c);
    case OpKind::pad: return pad_type(c);
    case OpKind::concat: return concat_type(c);

    case OpKind::matmul: return matmul_type(c);
    case OpKind::conv2d:
      c.require_same_dtype();
      c.require_float(0);
      return {dt, conv_shape(c, in[0].shape, in[1].shape)};
    case OpKind::conv2d_grad_input: {
      c.require_same_dtype();
      c.require_float(0);
      Shape x = c.shape_attr("input_shape");
      Shape y = conv_shape(c, x, in[1].shape);
      c.require(y == in[0].shape, cat("dy must be ", y.str(), ", the conv2d output for input_shape ", x.str()));
      return {dt, x};
    }
    case OpKind::conv2d_grad_weight: {
      c.require_same_dtype();
      c.require_float(0);
      Shape w = c.shape_attr("weight_shape");
      Shape y = conv_shape(c, in[0].shape, w);
      c.require(y == in[1].shape, cat("dy must be ", y.str(), ", the conv2d output for weight_shape ", w.str()));
      return {dt, w};
    }

    case OpKind::max_pool2d: c.require_float(0); return {dt, max_pool_shape(c, in[0].shape)};
    case OpKind::max_pool2d_grad: {
      c.require_same_dtype();
      c.require_float(0);
      Shape y = max_pool_shape(c, in[1].shape);
      c.require(y == in[0].shape, cat("dy must be ", y.str(), ", the pool output for x"));
      return in[1];
    }
    case OpKind::avg_pool2d: c.require_float(0); return {dt, avg_pool_shape(c, in[0].shape)};
    case OpKind::avg_pool2d_grad: {
      c.require_float(0);
      Shape x = c.shape_attr("input_shape");
      Shape y = avg_pool_shape(c, x);
      c.require(y == in[0].shape, cat("dy must be ", y.str(), ", the pool output for input_shape ", x.str()));
      return {dt, x};
    }

    case OpKind::softmax:
    case OpKind::log_softmax:
      c.require_float(0);
      c.axis("axis", in[0].shape.rank());
      return in[0];
    case OpKind::softmax_cross_entropy: {
      c.require_float(0);
      c.require_rank(0, 2);
      c.require_rank(1, 1);
      c.require(is_integer(in[1].dtype), cat("labels must be integers, got ", dtype_name(in[1].dtype)));
      c.require(in[0].shape[0] == in[1].shape[0], "logits and labels disagree on the batch dimension");
      return {dt, Shape{in[0].shape[0]}};
    }
    case OpKind::one_hot: {
      c.require(is_integer(dt), cat("labels must be integers, got ", dtype_name(dt)));
      int64_t k = n.i("classes");
      c.require(k >= 1 && k <= kMaxDim, cat("classes must be in [1, 2^31], got ", k));
      std::vector<int64_t> dims = in[0].shape.dims();
      dims.push_back(k);
      Shape out(dims);
      c.require(out.problem().empty(), cat("result ", out.str(), ": ", out.problem()));
      return {DType::f32, out};
    }
    case OpKind::dropout_mask: {
      c.require(in[0] == TensorType{DType::i64, {}}, "the seed must be i64[]");
      double p = n.f("p");
      c.require(p >= 0 && p < 1, cat("p must be in [0, 1), got ", p));
      return {DType::f32, c.shape_attr("shape")};
    }
  }
  GRAPHC_ASSERT(false, "unhandled op");
}

}  // namespace graphc
