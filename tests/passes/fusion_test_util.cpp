#include "fusion_test_util.h"

#include <map>
#include <random>

#include "frontend/model_registry.h"
#include "passes/autodiff.h"
#include "passes/simplify.h"

namespace graphc::fusion_test {

int group_index(const passes::FusionPlan& plan, ValueId v) {
  for (size_t i = 0; i < plan.groups.size(); ++i)
    for (ValueId n : plan.groups[i].nodes)
      if (n == v) return static_cast<int>(i);
  return -1;
}

const passes::FusedGroup& group_holding(const passes::FusionPlan& plan, ValueId v) {
  int i = group_index(plan, v);
  if (i < 0) throw Error(cat("no group holds %", v));
  return plan.groups[i];
}

size_t count_kind(const passes::FusionPlan& plan, passes::GroupKind kind) {
  size_t n = 0;
  for (const passes::FusedGroup& group : plan.groups) n += group.kind == kind;
  return n;
}

Graph training_graph(const std::string& model) {
  Graph g = passes::build_training_graph(build_model(model));
  passes::simplify(g);
  return g;
}

Graph eval_graph(const std::string& model) {
  Graph g = build_model(model, Mode::eval);
  passes::simplify(g);
  return g;
}

runtime::TensorMap random_feeds(const Graph& g, int64_t batch, uint64_t seed) {
  runtime::TensorMap feeds = runtime::init_parameters(g, seed);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit(-1.0, 1.0), variance(0.5, 1.5);
  int64_t classes = 2;
  for (const Output& o : g.outputs())
    if (o.role == OutputRole::prediction && g.type(o.value).shape.rank() >= 1) {
      const Shape& s = g.type(o.value).shape;
      classes = s[s.rank() - 1];
    }
  for (ValueId v : g.inputs()) {
    const Node& n = g.node(v);
    runtime::HostTensor t(n.type.dtype, n.type.shape.with_batch(batch));
    const std::string role = n.s("role");
    for (double& x : t.data) {
      if (role == "seed")
        x = static_cast<double>(rng() % 1000);
      else if (!is_float(n.type.dtype))
        x = static_cast<double>(rng() % static_cast<uint64_t>(classes));
      else
        x = role == "state" ? variance(rng) : unit(rng);
    }
    feeds[n.s("name")] = std::move(t);
  }
  return feeds;
}

namespace {

const char* const kBatchFeed = "fusion_test.batch";

// The group as a graph of its own: its inputs fed by name "%<id>" (constants
// and batch_size copied), its outputs named "%<id>".
Graph group_graph(const Graph& g, const passes::FusedGroup& group) {
  Graph sub(cat(g.name(), ".group"));
  sub.add_input(kBatchFeed, {DType::f32, {kBatch}}, InputRole::data);  // binds N for batch_size
  std::map<ValueId, ValueId> mapped;
  for (ValueId in : group.inputs) {
    const Node& n = g.node(in);
    if (n.op == OpKind::constant)
      mapped[in] = sub.add_constant(n.f("value"), n.type.dtype);
    else if (n.op == OpKind::batch_size)
      mapped[in] = sub.add(OpKind::batch_size, {});
    else
      mapped[in] = sub.add_input(cat("%", in), n.type, InputRole::data);
  }
  for (ValueId v : group.nodes) {
    const Node& n = g.node(v);
    std::vector<ValueId> operands;
    for (ValueId o : n.operands) {
      auto it = mapped.find(o);
      if (it == mapped.end()) throw Error(cat("group reads %", o, " which it neither computes nor lists as an input"));
      operands.push_back(it->second);
    }
    mapped[v] = sub.add_typed(n.op, operands, n.attrs, n.type);
  }
  for (ValueId out : group.outputs) sub.add_output(cat("%", out), mapped.at(out), OutputRole::value);
  return sub;
}

}  // namespace

runtime::TensorMap run_group_by_group(const Graph& g, const passes::FusionPlan& plan, const runtime::TensorMap& feeds) {
  int64_t batch = 1;
  for (ValueId v : g.inputs())
    if (g.type(v).shape.has_batch()) {
      const Shape& declared = g.type(v).shape;
      const runtime::HostTensor& fed = feeds.at(g.node(v).s("name"));
      for (size_t a = 0; a < declared.rank(); ++a)
        if (declared[a] == kBatch) batch = fed.shape[a];
    }
  std::map<ValueId, runtime::HostTensor> values;  // what groups wrote
  auto value_of = [&](ValueId v) -> const runtime::HostTensor& {
    const Node& n = g.node(v);
    if (n.op == OpKind::input || n.op == OpKind::parameter) return feeds.at(n.s("name"));
    auto it = values.find(v);
    if (it == values.end()) throw Error(cat("%", v, " is read before any group wrote it"));
    return it->second;
  };
  for (const passes::FusedGroup& group : plan.groups) {
    Graph sub = group_graph(g, group);
    runtime::TensorMap sub_feeds;
    sub_feeds[kBatchFeed] = runtime::HostTensor(DType::f32, {batch});
    for (ValueId in : group.inputs) {
      const OpKind op = g.node(in).op;
      if (op != OpKind::constant && op != OpKind::batch_size) sub_feeds[cat("%", in)] = value_of(in);
    }
    runtime::TensorMap out = runtime::interpret(sub, sub_feeds);
    for (ValueId v : group.outputs) values[v] = out.at(cat("%", v));
  }
  runtime::TensorMap result;
  for (const Output& o : g.outputs()) result[o.name] = value_of(o.value);
  return result;
}

}  // namespace graphc::fusion_test
