// The training graph of every model of the zoo: it verifies, keeps the
// forward outputs, and has exactly one gradient output per trainable
// parameter, named and typed as the parameter. Freezing layers removes their
// gradients and the backward work behind them.
#include <gtest/gtest.h>

#include <set>

#include "frontend/model_registry.h"
#include "ir/verifier.h"
#include "passes/autodiff.h"

namespace graphc {
namespace {

std::vector<std::string> trainable_names(const Graph& g) {
  std::vector<std::string> names;
  for (ValueId p : g.parameters())
    if (g.node(p).b("trainable")) names.push_back(g.node(p).s("name"));
  return names;
}

std::vector<std::string> gradient_names(const Graph& g) {
  std::vector<std::string> names;
  for (const Output& o : g.outputs())
    if (o.role == OutputRole::gradient) names.push_back(o.name);
  return names;
}

size_t count_ops(const Graph& g, OpKind k) {
  size_t n = 0;
  for (const Node& node : g.nodes()) n += node.op == k;
  return n;
}

TEST(TrainingGraph, EveryModelHasOneGradientPerTrainableParameter) {
  ASSERT_GE(registered_models().size(), 6u);
  for (const ModelDef& m : registered_models()) {
    SCOPED_TRACE(m.name);
    Graph forward = build_model(m);
    Graph training = passes::build_training_graph(forward);
    verify(training);
    EXPECT_EQ(gradient_names(training), trainable_names(forward));
    for (const Output& o : training.outputs()) {
      if (o.role != OutputRole::gradient) continue;
      EXPECT_EQ(training.type(o.value), forward.type(*forward.find_parameter(o.name))) << o.name;
    }
    // The forward outputs come first, unchanged.
    ASSERT_GE(training.outputs().size(), forward.outputs().size());
    for (size_t i = 0; i < forward.outputs().size(); ++i) {
      EXPECT_EQ(training.outputs()[i].name, forward.outputs()[i].name);
      EXPECT_EQ(training.outputs()[i].value, forward.outputs()[i].value);
    }
    // The forward nodes are kept as they were, backward nodes appended.
    ASSERT_GT(training.size(), forward.size());
    for (size_t i = 0; i < forward.size(); ++i) EXPECT_EQ(training.nodes()[i].op, forward.nodes()[i].op);
  }
}

TEST(TrainingGraph, FreezingAllButTheLastLayerOfLenetLeavesOnlyItsGradients) {
  Graph full = passes::build_training_graph(build_model("lenet"));
  Graph forward = build_model("lenet", Mode::train, {"conv1", "conv2", "fc1", "fc2"});
  Graph frozen = passes::build_training_graph(forward);
  verify(frozen);
  EXPECT_EQ(gradient_names(frozen), (std::vector<std::string>{"fc3.weight", "fc3.bias"}));
  size_t backward_full = full.size() - forward.size(), backward_frozen = frozen.size() - forward.size();
  EXPECT_LT(backward_frozen, backward_full);
  // No gradient flows below fc3: no convolution, pooling or relu backward.
  EXPECT_GT(count_ops(full, OpKind::conv2d_grad_weight), 0u);
  EXPECT_EQ(count_ops(frozen, OpKind::conv2d_grad_input), 0u);
  EXPECT_EQ(count_ops(frozen, OpKind::conv2d_grad_weight), 0u);
  EXPECT_EQ(count_ops(frozen, OpKind::max_pool2d_grad), 0u);
  EXPECT_LE(backward_frozen, 12u) << "fc3's gradient needs the softmax-CE rule, one matmul and one sum";
}

}  // namespace
}  // namespace graphc
