// Feed checking and N binding. A graph's types may hold the batch symbol N;
// the fed inputs decide its value, so every input whose type holds N must be
// fed with one consistent batch size. Parameters never hold N and must match
// exactly. Extra feeds are ignored, so one map of parameters and state can
// feed both a training and an evaluation graph.
#include <cmath>
#include <optional>

#include "runtime/interpreter/kernels.h"

namespace graphc::runtime::interp {

namespace {

std::string describe(const Node& n) {
  std::string s = n.op == OpKind::input ? "input '" : "parameter '";
  return s + n.s("name") + "'";
}

// Whether `v` is a value of the integer or bool dtype `t`.
bool representable(double v, DType t) {
  if (v != std::trunc(v)) return false;  // also rejects NaN and infinities
  switch (t) {
    case DType::boolean: return v == 0 || v == 1;
    case DType::u8: return v >= 0 && v <= 255;
    case DType::i32: return v >= -2147483648.0 && v <= 2147483647.0;
    case DType::i64: return v >= -9223372036854775808.0 && v < 9223372036854775808.0;
    case DType::f32:
    case DType::f64:
    case DType::f16:
    case DType::bf16: return true;
  }
  return true;
}

// The fed tensor is well formed and of the declared dtype.
void check_fed_tensor(const Node& n, const HostTensor& t) {
  const TensorType fed{t.dtype, t.shape};
  if (t.shape.has_batch() || !t.shape.problem().empty())
    throw Error(cat(describe(n), ": fed tensor has an invalid shape ", t.shape.str()));
  if (t.numel() != t.shape.numel(1))
    throw Error(cat(describe(n), ": fed ", fed.str(), " holds ", t.numel(), " values"));
  if (t.dtype != n.type.dtype)
    throw Error(cat(describe(n), ": fed ", fed.str(), " but the graph declares ", n.type.str()));
  if (is_float(t.dtype)) return;
  for (int64_t e = 0; e < t.numel(); ++e)
    if (!representable(t.data[e], t.dtype))
      throw Error(cat(describe(n), ": element ", e, " is ", t.data[e], ", not a ", dtype_name(t.dtype), " value"));
}

// The batch size that makes `fed` match `declared`, or throws. Returns
// nullopt when `declared` has no N.
std::optional<int64_t> match_shape(const Node& n, const Shape& fed, const Shape& declared) {
  auto mismatch = [&] {
    return Error(
        cat(describe(n), ": fed ", TensorType{n.type.dtype, fed}.str(), " but the graph declares ", n.type.str()));
  };
  if (fed.rank() != declared.rank()) throw mismatch();
  std::optional<int64_t> batch;
  for (size_t i = 0; i < fed.rank(); ++i) {
    if (declared[i] == kBatch)
      batch = fed[i];
    else if (declared[i] != fed[i])
      throw mismatch();
  }
  return batch;
}

bool uses_batch(const Graph& g) {
  for (const Node& n : g.nodes())
    if (n.op == OpKind::batch_size || n.type.shape.has_batch()) return true;
  return false;
}

}  // namespace

BoundGraph bind_feeds(const Graph& g, const TensorMap& feeds) {
  std::string missing;
  for (const Node& n : g.nodes()) {
    if (n.op != OpKind::input && n.op != OpKind::parameter) continue;
    if (feeds.count(n.s("name"))) continue;
    if (!missing.empty()) missing += ", ";
    missing += describe(n);
  }
  if (!missing.empty()) throw Error("missing feed for " + missing);

  std::optional<int64_t> batch;
  std::string batch_source;  // the input that fixed N, for the error message
  for (const Node& n : g.nodes()) {
    if (n.op != OpKind::input && n.op != OpKind::parameter) continue;
    const HostTensor& t = feeds.at(n.s("name"));
    check_fed_tensor(n, t);
    std::optional<int64_t> b = match_shape(n, t.shape, n.type.shape);
    if (!b) continue;
    if (!batch) {
      batch = b;
      batch_source = describe(n);
    } else if (*b != *batch) {
      throw Error(cat(describe(n), ": fed ", TensorType{t.dtype, t.shape}.str(), " (N = ", *b, ") but ", batch_source,
                      " was fed with N = ", *batch, "; the graph declares ", n.type.str()));
    }
  }
  if (batch) return {g.with_batch(*batch), batch};
  if (uses_batch(g)) throw Error("the graph uses the batch size N but no fed input has N in its type");
  return {g, std::nullopt};
}

}  // namespace graphc::runtime::interp
