// JSON -> Graph, for files that no C++ code made and that may be hostile.
// Every field is type-checked before it is read (no nlohmann exception can
// escape), every message names the node and field, and the graph is rebuilt
// through Graph::add_typed so shape inference re-derives and checks every
// type. The format is described in json.h.
#include <limits>
#include <map>

#include "ir/json.h"
#include "ir/shape_inference.h"
#include "ir/verifier.h"

namespace graphc {

namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& where, const std::string& what) {
  std::string s = "graph JSON: ";
  if (!where.empty()) s += where + ": ";
  throw Error(s + what);
}

// "float" for 2.5, "integer" for 2, else nlohmann's name ("string", ...).
std::string kind_of(const json& v) {
  if (v.is_number_float()) return "float";
  if (v.is_number()) return "integer";
  return v.type_name();
}

const json& object(const json& v, const std::string& where, const std::string& what) {
  if (!v.is_object()) fail(where, cat(what, " must be an object, got ", kind_of(v)));
  return v;
}

const json& array(const json& v, const std::string& where, const std::string& what) {
  if (!v.is_array()) fail(where, cat(what, " must be an array, got ", kind_of(v)));
  return v;
}

const json& field(const json& obj, const char* key, const std::string& where) {
  auto it = obj.find(key);
  if (it == obj.end()) fail(where, cat("missing field '", key, "'"));
  return *it;
}

void reject_unknown_fields(const json& obj, std::initializer_list<std::string_view> known, const std::string& where) {
  for (const auto& item : obj.items()) {
    bool ok = false;
    for (std::string_view k : known) ok = ok || item.key() == k;
    if (!ok) fail(where, cat("unknown field '", item.key(), "'"));
  }
}

int64_t as_int(const json& v, const std::string& where, const std::string& what) {
  if (v.is_number_unsigned()) {
    auto u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) fail(where, cat(what, " is out of range"));
    return static_cast<int64_t>(u);
  }
  if (v.is_number_integer()) return v.get<int64_t>();
  fail(where, cat(what, " must be an integer, got ", kind_of(v)));
}

// Numbers (integers too) and the strings the writer uses for inf and nan.
double as_double(const json& v, const std::string& where, const std::string& what) {
  if (v.is_number_float()) return v.get<double>();
  if (v.is_number_unsigned()) return static_cast<double>(v.get<uint64_t>());
  if (v.is_number_integer()) return static_cast<double>(v.get<int64_t>());
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    if (s == "inf") return std::numeric_limits<double>::infinity();
    if (s == "-inf") return -std::numeric_limits<double>::infinity();
    if (s == "nan") return std::numeric_limits<double>::quiet_NaN();
  }
  fail(where, cat(what, " must be a number (or \"inf\", \"-inf\", \"nan\"), got ", kind_of(v)));
}

const std::string& as_string(const json& v, const std::string& where, const std::string& what) {
  if (!v.is_string()) fail(where, cat(what, " must be a string, got ", kind_of(v)));
  return v.get_ref<const std::string&>();
}

bool as_bool(const json& v, const std::string& where, const std::string& what) {
  if (!v.is_boolean()) fail(where, cat(what, " must be a bool, got ", kind_of(v)));
  return v.get<bool>();
}

std::vector<int64_t> as_int_list(const json& v, const std::string& where, const std::string& what) {
  array(v, where, what);
  std::vector<int64_t> r;
  for (size_t i = 0; i < v.size(); ++i) r.push_back(as_int(v[i], where, cat(what, "[", i, "]")));
  return r;
}

std::vector<double> as_float_list(const json& v, const std::string& where, const std::string& what) {
  array(v, where, what);
  std::vector<double> r;
  for (size_t i = 0; i < v.size(); ++i) r.push_back(as_double(v[i], where, cat(what, "[", i, "]")));
  return r;
}

DType as_dtype(const json& v, const std::string& where, const std::string& what) {
  const std::string& s = as_string(v, where, what);
  auto t = parse_dtype(s);
  if (!t) fail(where, cat(what, ": unknown dtype '", s, "'"));
  return *t;
}

Attr read_attr(const json& v, AttrType type, const std::string& where, const std::string& what) {
  switch (type) {
    case AttrType::i64: return as_int(v, where, what);
    case AttrType::f64: return as_double(v, where, what);
    case AttrType::boolean: return as_bool(v, where, what);
    case AttrType::str: return as_string(v, where, what);
    case AttrType::ints:
    case AttrType::shape: return as_int_list(v, where, what);
    case AttrType::floats: return as_float_list(v, where, what);
    case AttrType::dtype: return as_dtype(v, where, what);
  }
  GRAPHC_ASSERT(false, "unhandled attribute type");
}

TensorType read_type(const json& v, const std::string& where) {
  object(v, where, "type");
  reject_unknown_fields(v, {"dtype", "shape"}, where + ": type");
  TensorType t{as_dtype(field(v, "dtype", where), where, "type.dtype"),
               Shape(as_int_list(field(v, "shape", where), where, "type.shape"))};
  if (std::string p = t.shape.problem(); !p.empty()) fail(where, cat("type ", t.str(), ": ", p));
  return t;
}

// Input names and parameter names, each mapped to the node that took it. Like
// the verifier, inputs and parameters are separate name spaces.
using NameTable = std::map<std::pair<OpKind, std::string>, ValueId>;

// Reads node `id` and appends it to g. Graph::add_typed does not check names,
// so `names` does.
void read_node(const json& j, ValueId id, Graph& g, NameTable& names) {
  const std::string where = cat("node ", id);
  object(j, where, "a node");
  reject_unknown_fields(j, {"id", "op", "operands", "attrs", "type"}, where);
  int64_t recorded_id = as_int(field(j, "id", where), where, "id");
  if (recorded_id != id)
    fail(where, cat("id is ", recorded_id, ", expected ", id, " (ids are positions in \"nodes\")"));

  const std::string& op_text = as_string(field(j, "op", where), where, "op");
  std::optional<OpKind> op = parse_op(op_text);
  if (!op) fail(where, cat("unknown op '", op_text, "'"));

  std::vector<ValueId> operands;
  const json& operand_list = array(field(j, "operands", where), where, "operands");
  for (const json& o : operand_list) {
    int64_t v = as_int(o, where, "operand");
    if (v == id) fail(where, cat("operand ", v, " refers to the node itself"));
    if (v < 0 || v > id)
      fail(where, cat("operand ", v, " is not an earlier node (operands must refer to earlier ids)"));
    operands.push_back(static_cast<ValueId>(v));
  }

  AttrMap attrs;
  for (const auto& item : object(field(j, "attrs", where), where, "attrs").items()) {
    const AttrSpec* spec = find_attr_spec(*op, item.key());
    if (!spec) fail(where, cat(op_text, " has no attribute '", item.key(), "'"));
    attrs[item.key()] = read_attr(item.value(), spec->type, where, cat("attribute '", item.key(), "'"));
  }
  TensorType type = read_type(field(j, "type", where), where);

  // Graph::add_typed checks all of this too; doing it here first lets the
  // message name the node.
  Node n{*op, operands, attrs, type};
  TensorType inferred;
  try {
    check_signature(n);
    std::vector<TensorType> in;
    for (ValueId v : operands) in.push_back(g.type(v));
    inferred = infer_type(n, in);
  } catch (const Error& e) {
    fail(where, e.what());
  }
  if (!(inferred == type))
    fail(where, cat("recorded type ", type.str(), " but ", op_text, " produces ", inferred.str()));
  if (*op == OpKind::input || *op == OpKind::parameter) {
    auto [it, fresh] = names.emplace(std::pair{*op, n.s("name")}, id);
    if (!fresh) fail(where, cat(op_text, " name '", n.s("name"), "' is already used by node ", it->second));
  }
  g.add_typed(*op, std::move(operands), std::move(attrs), type);
}

void read_output(const json& j, size_t index, Graph& g) {
  const std::string where = cat("output ", index);
  object(j, where, "an output");
  reject_unknown_fields(j, {"name", "value", "role"}, where);
  const std::string& name = as_string(field(j, "name", where), where, "name");
  int64_t value = as_int(field(j, "value", where), where, "value");
  const std::string& role_text = as_string(field(j, "role", where), where, "role");
  std::optional<OutputRole> role = parse_output_role(role_text);
  if (!role)
    fail(where, cat("unknown role '", role_text, "' (loss, correct, prediction, gradient, state or value)"));
  if (value < 0 || value >= static_cast<int64_t>(g.size()))
    fail(where, cat("output '", name, "' refers to value ", value, ", but the graph has ", g.size(), " nodes"));
  if (g.find_output(name)) fail(where, cat("output name '", name, "' is used twice"));
  g.add_output(name, static_cast<ValueId>(value), *role);
}

}  // namespace

Graph graph_from_json(const json& j) {
  object(j, "", "the document");
  const std::string& format = as_string(field(j, "format", ""), "", "format");
  if (format != kJsonFormat) fail("", cat("format is '", format, "', expected '", kJsonFormat, "'"));
  int64_t version = as_int(field(j, "version", ""), "", "version");
  if (version != kJsonVersion)
    fail("", cat("unsupported version ", version, " (this graphc reads version ", kJsonVersion, ")"));
  reject_unknown_fields(j, {"format", "version", "name", "nodes", "outputs"}, "");

  Graph g(as_string(field(j, "name", ""), "", "name"));
  NameTable names;
  const json& nodes = array(field(j, "nodes", ""), "", "nodes");
  if (nodes.size() >= static_cast<size_t>(std::numeric_limits<ValueId>::max())) fail("", "too many nodes");
  for (size_t i = 0; i < nodes.size(); ++i) read_node(nodes[i], static_cast<ValueId>(i), g, names);
  const json& outputs = array(field(j, "outputs", ""), "", "outputs");
  for (size_t i = 0; i < outputs.size(); ++i) read_output(outputs[i], i, g);
  verify(g);
  return g;
}

Graph graph_from_json_text(std::string_view text) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {  // parse_error, or out_of_range for a number like 1e999
    // Drop nlohmann's "[json.exception.parse_error.101] " tag.
    std::string_view what = e.what();
    if (auto tag_end = what.find("] "); tag_end != std::string_view::npos) what.remove_prefix(tag_end + 2);
    fail("", std::string(what));
  }
  return graph_from_json(j);
}

}  // namespace graphc
