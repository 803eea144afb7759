// The pass manager: runs passes in order, logs them, verifies after each,
// stops after a named pass; and the standard pipeline's stages.
#include <gtest/gtest.h>

#include "frontend/model_registry.h"
#include "frontend/ops.h"
#include "ir/printer.h"
#include "passes/autodiff.h"
#include "passes/pass_manager.h"

namespace graphc {
namespace {

passes::PassManagerOptions verified(std::string stop_after = "") {
  passes::PassManagerOptions o;
  o.verify = true;
  o.stop_after = std::move(stop_after);
  return o;
}

TEST(PassManager, StandardPipelineStages) {
  EXPECT_EQ(passes::pipeline_stage_names(), (std::vector<std::string>{"autodiff", "simplify"}));
  EXPECT_EQ(passes::standard_pass_manager().pass_names(), passes::pipeline_stage_names());
}

TEST(PassManager, RunsThePipelineAndLogsEachPass) {
  Graph forward = build_model("mnist_mlp");
  Graph g = forward;
  passes::PassManager pm = passes::standard_pass_manager(verified());
  pm.run(g);
  ASSERT_EQ(pm.log().size(), 2u);
  const auto& autodiff = pm.log()[0];
  const auto& simplify = pm.log()[1];
  EXPECT_EQ(autodiff.name, "autodiff");
  EXPECT_EQ(autodiff.nodes_before, forward.size());
  EXPECT_TRUE(autodiff.changed);
  EXPECT_EQ(simplify.nodes_before, autodiff.nodes_after);
  EXPECT_EQ(simplify.nodes_after, g.size());
  EXPECT_LT(simplify.nodes_after, simplify.nodes_before);
  EXPECT_EQ(pm.log_text(), cat("autodiff: ", forward.size(), " -> ", autodiff.nodes_after, " nodes\n", "simplify: ",
                               autodiff.nodes_after, " -> ", g.size(), " nodes\n"));
}

TEST(PassManager, StopsAfterANamedPass) {
  Graph forward = build_model("lenet");
  Graph g = forward;
  passes::PassManager pm = passes::standard_pass_manager(verified("autodiff"));
  pm.run(g);
  ASSERT_EQ(pm.log().size(), 1u);
  EXPECT_EQ(print_graph(g), print_graph(passes::build_training_graph(forward)));
}

TEST(PassManager, RejectsAnUnknownStopPass) {
  Graph g = build_model("linreg");
  passes::PassManager pm = passes::standard_pass_manager(verified("fusion-typo"));
  try {
    pm.run(g);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "no pass named 'fusion-typo' (passes: autodiff, simplify)");
  }
  EXPECT_TRUE(pm.log().empty());
}

TEST(PassManager, LogsUnchangedPasses) {
  Graph g("t");
  Builder b(g);
  b.output("y", exp(b.input("x", DType::f32, {2})), OutputRole::value);
  passes::PassManager pm(verified());
  pm.add({"nothing", [](Graph&) { return false; }});
  pm.run(g);
  EXPECT_EQ(pm.log_text(), "nothing: 2 nodes (unchanged)\n");
}

TEST(PassManager, VerifierFailureNamesThePass) {
  Graph g("t");
  Builder b(g);
  b.output("y", exp(b.input("x", DType::f32, {2})), OutputRole::value);
  passes::PassManager pm(verified());
  pm.add({"breaks-types", [](Graph& graph) {
            graph.mutable_node(1).type.shape = Shape{3};  // exp(f32[2]) recorded as f32[3]
            return true;
          }});
  try {
    pm.run(g);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "after pass breaks-types: %1 = exp: recorded type f32[3] but shape inference gives f32[2]");
  }
  // Without verification the same pass goes through unnoticed.
  Graph h("t");
  Builder hb(h);
  hb.output("y", exp(hb.input("x", DType::f32, {2})), OutputRole::value);
  passes::PassManagerOptions quiet;
  quiet.verify = false;
  passes::PassManager unverified(quiet);
  unverified.add({"breaks-types", [](Graph& graph) {
                    graph.mutable_node(1).type.shape = Shape{3};
                    return true;
                  }});
  EXPECT_NO_THROW(unverified.run(h));
}

}  // namespace
}  // namespace graphc
