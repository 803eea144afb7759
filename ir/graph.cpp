#include "ir/graph.h"

#include <array>
#include <cmath>

#include "ir/shape_inference.h"

namespace graphc {

namespace {
constexpr std::array<std::string_view, 4> kInputRoles{"data", "label", "state", "seed"};
constexpr std::array<std::string_view, 6> kOutputRoles{"loss", "correct", "prediction", "gradient", "state", "value"};

template <typename Enum, size_t K>
std::optional<Enum> parse_enum(const std::array<std::string_view, K>& names, std::string_view s) {
  for (size_t i = 0; i < K; ++i)
    if (names[i] == s) return static_cast<Enum>(i);
  return std::nullopt;
}

template <typename T>
const T& get_attr(const Node& n, std::string_view name) {
  auto it = n.attrs.find(std::string(name));
  GRAPHC_ASSERT(it != n.attrs.end(), op_name(n.op), " has no attribute ", name);
  const T* v = std::get_if<T>(&it->second);
  GRAPHC_ASSERT(v, op_name(n.op), ".", name, " has another type");
  return *v;
}
}  // namespace

std::string_view input_role_name(InputRole r) { return kInputRoles[static_cast<size_t>(r)]; }
std::optional<InputRole> parse_input_role(std::string_view s) { return parse_enum<InputRole>(kInputRoles, s); }
std::string_view output_role_name(OutputRole r) { return kOutputRoles[static_cast<size_t>(r)]; }
std::optional<OutputRole> parse_output_role(std::string_view s) { return parse_enum<OutputRole>(kOutputRoles, s); }

std::string InitSpec::str() const {
  std::string s = kind + "(";
  for (size_t i = 0; i < args.size(); ++i) {
    if (i) s += ",";
    s += attr_str(args[i], AttrType::f64);
  }
  return s + ")";
}

std::string InitSpec::problem() const {
  for (double a : args)
    if (!std::isfinite(a)) return cat("init ", kind, " has a non-finite argument");
  auto want = [&](size_t n) -> std::string {
    return args.size() == n ? "" : cat("init ", kind, " takes ", n, " argument", n == 1 ? "" : "s", ", got ", args.size());
  };
  if (kind == "zeros" || kind == "ones") return want(0);
  if (kind == "constant") return want(1);
  if (kind == "uniform") {
    if (auto p = want(2); !p.empty()) return p;
    return args[0] <= args[1] ? "" : "uniform needs low <= high";
  }
  if (kind == "normal") {
    if (auto p = want(2); !p.empty()) return p;
    return args[1] >= 0 ? "" : "normal needs std >= 0";
  }
  return cat("unknown init \"", kind, "\" (zeros, ones, constant, uniform or normal)");
}

int64_t Node::i(std::string_view name) const { return get_attr<int64_t>(*this, name); }
double Node::f(std::string_view name) const { return get_attr<double>(*this, name); }
bool Node::b(std::string_view name) const { return get_attr<bool>(*this, name); }
const std::string& Node::s(std::string_view name) const { return get_attr<std::string>(*this, name); }
const std::vector<int64_t>& Node::ints(std::string_view name) const { return get_attr<std::vector<int64_t>>(*this, name); }
const std::vector<double>& Node::floats(std::string_view name) const { return get_attr<std::vector<double>>(*this, name); }
DType Node::dtype_attr(std::string_view name) const { return get_attr<DType>(*this, name); }

ValueId Graph::append(Node n) {
  check_signature(n);
  std::vector<TensorType> in;
  for (ValueId v : n.operands) {
    if (v < 0 || static_cast<size_t>(v) >= nodes_.size())
      throw Error(cat(op_name(n.op), ": operand %", v, " is not defined before this node"));
    in.push_back(nodes_[v].type);
  }
  n.type = infer_type(n, in);
  if (nodes_.size() >= static_cast<size_t>(INT32_MAX)) throw Error("graph has too many nodes");
  nodes_.push_back(std::move(n));
  return static_cast<ValueId>(nodes_.size() - 1);
}

ValueId Graph::add(OpKind op, std::vector<ValueId> operands, AttrMap attrs) {
  GRAPHC_ASSERT(op_info(op).cls != OpClass::source || op == OpKind::batch_size, "use add_input/add_parameter/add_constant");
  return append(Node{op, std::move(operands), std::move(attrs), {}});
}

ValueId Graph::add_typed(OpKind op, std::vector<ValueId> operands, AttrMap attrs, TensorType type) {
  ValueId v = append(Node{op, std::move(operands), std::move(attrs), type});
  if (!(nodes_[v].type == type))
    throw Error(cat("%", v, " = ", op_name(op), ": recorded type ", type.str(), " but the op produces ",
                    nodes_[v].type.str()));
  return v;
}

ValueId Graph::add_input(const std::string& name, TensorType type, InputRole role) {
  if (find_input(name)) throw Error(cat("input '", name, "' is defined twice"));
  return add_typed(OpKind::input, {}, {{"name", name}, {"role", std::string(input_role_name(role))}}, std::move(type));
}

ValueId Graph::add_parameter(const std::string& name, Shape shape, const InitSpec& init, bool trainable, DType dtype) {
  if (find_parameter(name)) throw Error(cat("parameter '", name, "' is defined twice"));
  return add_typed(OpKind::parameter, {},
                   {{"name", name}, {"init", init.kind}, {"init_args", init.args}, {"trainable", trainable}},
                   {dtype, std::move(shape)});
}

ValueId Graph::add_constant(double value, DType dtype) {
  return add_typed(OpKind::constant, {}, {{"value", value}}, {dtype, {}});
}

void Graph::add_output(const std::string& name, ValueId value, OutputRole role) {
  if (value < 0 || static_cast<size_t>(value) >= nodes_.size())
    throw Error(cat("output '", name, "' refers to undefined value %", value));
  if (find_output(name)) throw Error(cat("output '", name, "' is defined twice"));
  outputs_.push_back({name, value, role});
}

const Node& Graph::node(ValueId v) const {
  GRAPHC_ASSERT(v >= 0 && static_cast<size_t>(v) < nodes_.size(), "no value %", v);
  return nodes_[v];
}

Node& Graph::mutable_node(ValueId v) {
  GRAPHC_ASSERT(v >= 0 && static_cast<size_t>(v) < nodes_.size(), "no value %", v);
  return nodes_[v];
}

std::vector<ValueId> Graph::inputs() const {
  std::vector<ValueId> r;
  for (size_t i = 0; i < nodes_.size(); ++i)
    if (nodes_[i].op == OpKind::input) r.push_back(static_cast<ValueId>(i));
  return r;
}

std::vector<ValueId> Graph::parameters() const {
  std::vector<ValueId> r;
  for (size_t i = 0; i < nodes_.size(); ++i)
    if (nodes_[i].op == OpKind::parameter) r.push_back(static_cast<ValueId>(i));
  return r;
}

std::optional<ValueId> Graph::find_input(std::string_view name) const {
  for (ValueId v : inputs())
    if (nodes_[v].s("name") == name) return v;
  return std::nullopt;
}

std::optional<ValueId> Graph::find_parameter(std::string_view name) const {
  for (ValueId v : parameters())
    if (nodes_[v].s("name") == name) return v;
  return std::nullopt;
}

const Output* Graph::find_output(std::string_view name) const {
  for (const auto& o : outputs_)
    if (o.name == name) return &o;
  return nullptr;
}

InitSpec Graph::init_of(ValueId param) const {
  const Node& n = node(param);
  GRAPHC_ASSERT(n.op == OpKind::parameter, "%", param, " is not a parameter");
  return {n.s("init"), n.floats("init_args")};
}

Graph Graph::with_batch(int64_t batch) const {
  if (batch < 1 || batch > kMaxDim) throw Error(cat("batch size ", batch, " is out of range"));
  Graph g(name_);
  g.outputs_ = outputs_;
  g.nodes_ = nodes_;
  for (Node& n : g.nodes_) {
    n.type.shape = n.type.shape.with_batch(batch);
    for (const auto& spec : n.info().attrs) {
      if (spec.type != AttrType::shape) continue;
      auto& dims = std::get<std::vector<int64_t>>(n.attrs[std::string(spec.name)]);
      for (auto& d : dims)
        if (d == kBatch) d = batch;
    }
  }
  return g;
}

}  // namespace graphc
