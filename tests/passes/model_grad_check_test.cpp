// runtime::check_gradients, the check behind `graphc --check-grad`, on every
// model of the zoo (batch 2, f64 on the interpreter), and its verdict when a
// gradient rule is deliberately broken: it must fail and name exactly the
// parameters whose gradients go through the broken rule.
#include <gtest/gtest.h>

#include "frontend/model_registry.h"
#include "frontend/ops.h"
#include "passes/vjp_rules.h"
#include "runtime/grad_check.h"

namespace graphc {
namespace {

runtime::GradCheckOptions options_for(const std::string& model) {
  runtime::GradCheckOptions o;  // batch 2, 20 elements per parameter
  // The two CIFAR networks take about a second per interpreter forward at
  // batch 2, and checking an early parameter re-runs nearly all of it per
  // element: check four evenly spaced parameters on two elements each. The
  // first one's gradient crosses every layer's backward rules; for ResNet-18
  // the others are a batch-norm bias, a batch-norm weight and the fc bias.
  if (model == "cifar_cnn" || model == "resnet18") {
    o.max_parameters = 4;
    o.max_elements_per_parameter = 2;
  }
  return o;
}

class ModelGradCheck : public ::testing::TestWithParam<std::string> {};

TEST_P(ModelGradCheck, AutodiffMatchesFiniteDifferences) {
  const std::string& model = GetParam();
  runtime::GradCheckReport report = runtime::check_gradients(build_model(model), options_for(model));
  EXPECT_TRUE(report.passed) << report.str();
  Graph forward = build_model(model);
  size_t trainable = 0;
  for (ValueId p : forward.parameters()) trainable += forward.node(p).b("trainable");
  EXPECT_EQ(report.parameters.size(), trainable);
  for (const auto& p : report.parameters) {
    if (!p.sampled) continue;
    EXPECT_GT(p.checked, 0) << p.name;
  }
}

std::vector<std::string> model_names() {
  std::vector<std::string> names;
  for (const ModelDef& m : registered_models()) names.push_back(m.name);
  return names;
}

INSTANTIATE_TEST_SUITE_P(Zoo, ModelGradCheck, ::testing::ValuesIn(model_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

TEST(ModelGradCheck, ABrokenMatmulRuleFailsNamingTheParameters) {
  passes::ScopedVjpFaultForTesting broken(OpKind::matmul, 1.5);
  runtime::GradCheckReport report = runtime::check_gradients(build_model("mnist_mlp"));
  EXPECT_FALSE(report.passed);
  // Every gradient but the last bias goes through a matmul's rule.
  EXPECT_EQ(report.failures(), "1.weight, 1.bias, 3.weight") << report.str();
  EXPECT_NE(report.str().find("FAILED: 1.weight, 1.bias, 3.weight"), std::string::npos) << report.str();
}

TEST(ModelGradCheck, ABrokenReluRuleFailsForTheLayersBelowTheLastRelu) {
  passes::ScopedVjpFaultForTesting broken(OpKind::relu, 1.5);
  runtime::GradCheckReport report = runtime::check_gradients(build_model("lenet"));
  EXPECT_FALSE(report.passed);
  EXPECT_EQ(report.failures(), "conv1.weight, conv1.bias, conv2.weight, conv2.bias, fc1.weight, fc1.bias, fc2.weight, fc2.bias")
      << report.str();
}

TEST(ModelGradCheck, AParameterTheLossIgnoresChecksAsZero) {
  Graph g("unused");
  Builder b(g);
  Tensor x = b.input("x", DType::f32, {kBatch, 3});
  Tensor used = b.parameter("used", {3}, InitSpec{"uniform", {-1, 1}});
  (void)b.parameter("unused", {2}, InitSpec{"uniform", {-1, 1}});
  b.output("loss", sum(x * used * used), OutputRole::loss);
  runtime::GradCheckReport report = runtime::check_gradients(g);
  EXPECT_TRUE(report.passed) << report.str();
  ASSERT_EQ(report.parameters.size(), 2u);
  EXPECT_EQ(report.parameters[1].name, "unused");
  EXPECT_EQ(report.parameters[1].checked, 2);
  EXPECT_EQ(report.parameters[1].numeric, 0.0);
}

TEST(ModelGradCheck, ReportsGraphsItCannotFeed) {
  Graph g("no_classes");
  Builder b(g);
  Tensor labels = b.input("labels", DType::i32, {kBatch});
  Tensor w = b.parameter("w", {1}, InitSpec{"ones", {}});
  b.output("loss", sum(cast(labels, DType::f32) * w), OutputRole::loss);
  try {
    runtime::check_gradients(g);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "input 'labels' holds integers but the graph has no prediction output whose last dimension "
                           "gives the number of classes");
  }
}

}  // namespace
}  // namespace graphc
