// The graph IR: SSA values in topological order. Node i defines value %i, and
// a node's operands are always earlier values, so a Graph is acyclic by
// construction. Inputs, parameters and constants are source nodes; outputs
// are named references to values with a role.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ir/attr.h"
#include "ir/error.h"
#include "ir/op.h"
#include "ir/shape.h"

namespace graphc {

using ValueId = int32_t;

// What an input is fed with: a batch tensor (data, label), state carried from
// step to step (batch-norm running statistics), or the per-step RNG seed.
enum class InputRole { data, label, state, seed };
// What an output means to the trainer.
enum class OutputRole { loss, correct, prediction, gradient, state, value };

std::string_view input_role_name(InputRole r);
std::optional<InputRole> parse_input_role(std::string_view s);
std::string_view output_role_name(OutputRole r);
std::optional<OutputRole> parse_output_role(std::string_view s);

// How a parameter starts: zeros, ones, constant(v), uniform(lo, hi),
// normal(mean, std). The frontend resolves PyTorch's schemes (kaiming, xavier)
// to these concrete distributions, so every backend draws the same values.
struct InitSpec {
  std::string kind = "zeros";
  std::vector<double> args;
  std::string str() const;  // "uniform(-0.1,0.1)"
  // Problem with kind/args, or "".
  std::string problem() const;
};

struct Node {
  OpKind op;
  std::vector<ValueId> operands;
  AttrMap attrs;
  TensorType type;

  const OpInfo& info() const { return op_info(op); }
  bool has(std::string_view name) const { return attrs.count(std::string(name)) != 0; }
  int64_t i(std::string_view name) const;
  double f(std::string_view name) const;
  bool b(std::string_view name) const;
  const std::string& s(std::string_view name) const;
  const std::vector<int64_t>& ints(std::string_view name) const;
  const std::vector<double>& floats(std::string_view name) const;
  DType dtype_attr(std::string_view name) const;
};

struct Output {
  std::string name;
  ValueId value;
  OutputRole role;
};

class Graph {
 public:
  explicit Graph(std::string name = "graph") : name_(std::move(name)) {}

  const std::string& name() const { return name_; }
  void set_name(std::string n) { name_ = std::move(n); }

  // Appends a computing node; its type comes from shape inference, which
  // throws graphc::Error naming the op and operand types on a bad program.
  ValueId add(OpKind op, std::vector<ValueId> operands, AttrMap attrs = {});
  // Appends a node whose type is given (sources; the JSON reader checks that
  // computed nodes agree with the type recorded in the file).
  ValueId add_typed(OpKind op, std::vector<ValueId> operands, AttrMap attrs, TensorType type);

  ValueId add_input(const std::string& name, TensorType type, InputRole role);
  ValueId add_parameter(const std::string& name, Shape shape, const InitSpec& init, bool trainable = true,
                        DType dtype = DType::f32);
  ValueId add_constant(double value, DType dtype = DType::f32);
  void add_output(const std::string& name, ValueId value, OutputRole role);

  size_t size() const { return nodes_.size(); }
  const Node& node(ValueId v) const;
  Node& mutable_node(ValueId v);
  const TensorType& type(ValueId v) const { return node(v).type; }
  const std::vector<Node>& nodes() const { return nodes_; }
  const std::vector<Output>& outputs() const { return outputs_; }
  std::vector<Output>& mutable_outputs() { return outputs_; }

  std::vector<ValueId> inputs() const;      // input nodes, in order
  std::vector<ValueId> parameters() const;  // parameter nodes, in order
  std::optional<ValueId> find_input(std::string_view name) const;
  std::optional<ValueId> find_parameter(std::string_view name) const;
  const Output* find_output(std::string_view name) const;
  InitSpec init_of(ValueId param) const;

  // The same graph with N replaced by `batch` in every type and shape attribute.
  Graph with_batch(int64_t batch) const;

 private:
  ValueId append(Node n);

  std::string name_;
  std::vector<Node> nodes_;
  std::vector<Output> outputs_;
};

}  // namespace graphc
