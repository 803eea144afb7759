// Simplification shrinks every model's training graph without changing what
// it computes, and the node counts are reported in docs/simplification.md:
// this test prints that table (run test_passes
// --gtest_filter=SimplifyModels.*) so the document can be regenerated.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "frontend/model_registry.h"
#include "frontend/ops.h"
#include "ir/verifier.h"
#include "passes/autodiff.h"
#include "passes/simplify.h"
#include "runtime/interpreter.h"

namespace graphc {
namespace {

TEST(SimplifyModels, ShrinksEveryTrainingGraph) {
  std::string table = "| model | forward | after autodiff | after simplify | removed |\n|---|---:|---:|---:|---:|\n";
  for (const ModelDef& m : registered_models()) {
    SCOPED_TRACE(m.name);
    Graph forward = build_model(m);
    Graph training = passes::build_training_graph(forward);
    Graph simplified = training;
    EXPECT_TRUE(passes::simplify(simplified));
    verify(simplified);
    EXPECT_LT(simplified.size(), training.size());
    EXPECT_FALSE(passes::simplify(simplified)) << "simplify must stop at a fixed point";
    EXPECT_EQ(simplified.outputs().size(), training.outputs().size());
    double removed = 100.0 * static_cast<double>(training.size() - simplified.size()) / static_cast<double>(training.size());
    char row[160];
    std::snprintf(row, sizeof row, "| %s | %zu | %zu | %zu | %.0f%% |\n", m.name.c_str(), forward.size(), training.size(),
                  simplified.size(), removed);
    table += row;
  }
  std::printf("%s", table.c_str());
}

TEST(SimplifyModels, KeepsTheValuesOfEveryOutput) {
  // The simplified mnist_mlp training graph computes the same loss and
  // gradients as the raw one, on the interpreter.
  Graph training = passes::build_training_graph(build_model("mnist_mlp"));
  Graph simplified = training;
  passes::simplify(simplified);
  runtime::TensorMap feeds = runtime::init_parameters(training, 7);
  runtime::HostTensor x(DType::f32, {3, 1, 28, 28}), y(DType::i32, {3}, {1, 7, 3});
  for (int64_t i = 0; i < x.numel(); ++i) x.data[i] = static_cast<double>((i * 37) % 255) / 255.0;
  feeds["x"] = x;
  feeds["y"] = y;
  runtime::TensorMap raw = runtime::interpret(training, feeds), simple = runtime::interpret(simplified, feeds);
  ASSERT_EQ(raw.size(), simple.size());
  for (const auto& [name, value] : raw) {
    const runtime::HostTensor& other = simple.at(name);
    ASSERT_EQ(value.shape, other.shape) << name;
    for (int64_t i = 0; i < value.numel(); ++i)
      EXPECT_NEAR(value.data[i], other.data[i], 1e-12 * (1 + std::fabs(value.data[i]))) << name << "[" << i << "]";
  }
}

}  // namespace
}  // namespace graphc
