// The fused groups fusion actually builds for training steps, each lowered,
// compiled and checked against the interpreter on its own: every group of
// lenet; every group of cifar_cnn but its contractions (conv and GEMM groups
// with 4096-long sums take the interpreter seconds, and their relu masks
// compare f32 sums with double ones exactly; conv_codegen_test.cpp,
// matmul_codegen_test.cpp and the CPU executor's model tests cover them);
// and every group of a small CNN with batch norm written in primitive ops,
// max and average pooling, dropout and a log-softmax loss (ops the zoo
// models do not reach).
#include <map>

#include "frontend/model_registry.h"
#include "frontend/nn.h"
#include "passes/autodiff.h"
#include "passes/fusion.h"
#include "passes/simplify.h"
#include "tests/codegen/codegen_test_util.h"

namespace graphc::codegen::testing {
namespace {

// The group as a graph of its own: its inputs become inputs (constants and
// the batch size stay what they are), its nodes are copied.
struct GroupGraph {
  Graph g;
  passes::FusedGroup group;
};

GroupGraph extract(const Graph& g, const passes::FusedGroup& group) {
  GroupGraph out;
  // Read by nothing: it tells the interpreter N when no group input has it.
  out.g.add_input("batch", {DType::f32, {kBatch}}, InputRole::data);
  std::map<ValueId, ValueId> id;
  for (ValueId v : group.inputs) {
    const Node& n = g.node(v);
    if (n.op == OpKind::constant || n.op == OpKind::batch_size)
      id[v] = out.g.add_typed(n.op, {}, n.attrs, n.type);
    else
      id[v] = out.g.add_input(cat("in", v), n.type, InputRole::data);
  }
  for (ValueId v : group.nodes) {
    const Node& n = g.node(v);
    std::vector<ValueId> operands;
    for (ValueId o : n.operands) operands.push_back(id.at(o));
    id[v] = out.g.add(n.op, operands, n.attrs);
  }
  out.group.kind = group.kind;
  out.group.anchor = group.anchor < 0 ? -1 : id.at(group.anchor);
  for (ValueId v : group.nodes) out.group.nodes.push_back(id.at(v));
  for (ValueId v : group.inputs) out.group.inputs.push_back(id.at(v));
  for (ValueId v : group.outputs) out.group.outputs.push_back(id.at(v));
  return out;
}

// Checks the groups of g's plan (all, or all but the contractions); returns
// how many window and softmax groups it checked (they hold this folder's
// hand-written lowerings: one per pool and per pool gradient, one per loss).
size_t check_groups(Graph g, bool skip_contractions) {
  passes::simplify(g);
  const passes::FusionPlan plan = passes::fuse(g);
  size_t anchored = 0;
  for (size_t i = 0; i < plan.groups.size(); ++i) {
    const passes::FusedGroup& group = plan.groups[i];
    if (skip_contractions && group.kind == passes::GroupKind::contraction) continue;
    SCOPED_TRACE(cat("group ", i, " (", passes::group_kind_name(group.kind), ")"));
    GroupGraph part = extract(g, group);
    // Labels from the harness lie in [0, 10): every classifier here has 10 classes.
    check_group_against_interpreter(part.g, part.group, {2, 3});
    anchored += group.kind == passes::GroupKind::window || group.kind == passes::GroupKind::softmax;
  }
  return anchored;
}

TEST(CodegenModelGroups, LenetTrainingStep) {
  EXPECT_EQ(check_groups(passes::build_training_graph(build_model("lenet")), false), 5u);  // 2 pools
}

TEST(CodegenModelGroups, CifarCnnTrainingStepBesidesContractions) {
  EXPECT_EQ(check_groups(passes::build_training_graph(build_model("cifar_cnn")), true), 7u);  // 3 pools
}

TEST(CodegenModelGroups, SmallCnnWithBatchNormPoolsDropoutAndLogSoftmax) {
  Graph forward("small_cnn");
  Builder b(forward);
  Tensor x = b.input("x", DType::f32, {kBatch, 3, 9, 9});
  Tensor y = b.input("y", DType::i32, {kBatch}, InputRole::label);
  nn::Sequential net{{"conv", nn::Conv2d(3, 4, 3, 1, 1)},  {"bn", nn::BatchNorm2d(4)},
                     {"relu", nn::ReLU{}},                  {"max", nn::MaxPool2d(3, 2, 1)},
                     {"avg", nn::AvgPool2d(2, 1, 1, false)}, {"flat", nn::Flatten{}},
                     {"drop", nn::Dropout(0.3)},            {"fc", nn::Linear(4 * 6 * 6, 10)}};
  Tensor log_probs = nn::LogSoftmax{1}(net(x));
  b.output("loss", nn::nll_loss(log_probs, y), OutputRole::loss);
  EXPECT_EQ(check_groups(passes::build_training_graph(forward), false), 5u);  // 2 pools
}

}  // namespace
}  // namespace graphc::codegen::testing
