// Fusion of every model's training and eval graphs: the plans are valid,
// deterministic, much shorter than one kernel per op, and compute the same
// outputs as the whole graph when run kernel by kernel on the interpreter.
// FusionModels.KernelsPerStep prints the table of docs/fusion.md.
#include <gtest/gtest.h>

#include <cstdio>

#include "frontend/model_registry.h"
#include "frontend/nn.h"
#include "fusion_test_util.h"
#include "passes/autodiff.h"
#include "passes/fusion.h"
#include "passes/simplify.h"

namespace graphc {
namespace {

using passes::FusionPlan;
using passes::GroupKind;

// Running the plan's kernels one after another runs every node after its
// operands: the plan is a schedule.
void expect_topological(const Graph& g, const FusionPlan& plan) {
  std::vector<bool> done(g.size(), false);
  for (ValueId v = 0; v < static_cast<ValueId>(g.size()); ++v) done[v] = g.node(v).info().cls == OpClass::source;
  for (const passes::FusedGroup& group : plan.groups)
    for (ValueId v : group.nodes) {
      for (ValueId o : g.node(v).operands) ASSERT_TRUE(done[o]) << "%" << v << " runs before its operand %" << o;
      done[v] = true;
    }
}

void expect_same_outputs(const Graph& g, const FusionPlan& plan, int64_t batch) {
  runtime::TensorMap feeds = fusion_test::random_feeds(g, batch, 5);
  runtime::TensorMap whole = runtime::interpret(g, feeds);
  runtime::TensorMap by_group = fusion_test::run_group_by_group(g, plan, feeds);
  ASSERT_EQ(whole.size(), by_group.size());
  for (const auto& [name, value] : whole) {
    EXPECT_EQ(value.shape, by_group.at(name).shape) << name;
    EXPECT_EQ(value.data, by_group.at(name).data) << name;
  }
}

TEST(FusionModels, EveryPlanIsAValidScheduleWithFewerKernels) {
  for (const ModelDef& m : registered_models()) {
    SCOPED_TRACE(m.name);
    for (const Graph& g : {fusion_test::training_graph(m.name), fusion_test::eval_graph(m.name)}) {
      FusionPlan plan = passes::fuse(g);
      passes::check_fusion_plan(g, plan);
      expect_topological(g, plan);
      // Every model fuses at least two ops per kernel on average.
      EXPECT_LE(2 * plan.groups.size(), passes::unfused_plan(g).groups.size()) << passes::fusion_report(g, plan);
      // Reshapes never cost a kernel.
      EXPECT_EQ(fusion_test::count_kind(plan, GroupKind::movement), 0u);
    }
  }
}

class FusionOfModel : public ::testing::TestWithParam<std::string> {};

TEST_P(FusionOfModel, KernelsRunOneByOneComputeWhatTheGraphComputes) {
  for (const Graph& g : {fusion_test::training_graph(GetParam()), fusion_test::eval_graph(GetParam())})
    expect_same_outputs(g, passes::fuse(g), 2);
}

// ResNet-18 takes a minute on the interpreter; its pieces (batch norm,
// residual blocks, global pooling) are in the small network below.
std::vector<std::string> models_but_resnet() {
  std::vector<std::string> names;
  for (const ModelDef& m : registered_models())
    if (m.name != "resnet18") names.push_back(m.name);
  return names;
}

INSTANTIATE_TEST_SUITE_P(Zoo, FusionOfModel, ::testing::ValuesIn(models_but_resnet()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

TEST(FusionModels, ASmallResidualNetworkWithBatchNormRunsKernelByKernel) {
  Graph forward("small_resnet");
  Builder b(forward);
  Tensor x = b.input("x", DType::f32, {kBatch, 3, 6, 6});
  Tensor y = b.input("y", DType::i32, {kBatch}, InputRole::label);
  nn::Sequential net{{"stem", nn::Conv2d(3, 4, 3, 1, 1, 1, 1, false)},
                     {"bn", nn::BatchNorm2d(4)},
                     {"relu", nn::ReLU{}},
                     {"block", nn::BasicBlock{4, 8, 2}},
                     {"pool", nn::AdaptiveAvgPool2d(1)},
                     {"flat", nn::Flatten{}},
                     {"drop", nn::Dropout(0.25)},
                     {"fc", nn::Linear(8, 3)}};
  nn::classifier_outputs(b, net(x), y);
  Graph g = passes::build_training_graph(forward);
  passes::simplify(g);
  FusionPlan plan = passes::fuse(g);
  passes::check_fusion_plan(g, plan);
  expect_same_outputs(g, plan, 3);
  EXPECT_EQ(fusion_test::count_kind(plan, GroupKind::softmax), 1u);
}

// The numbers of docs/fusion.md. Pinned for the two smallest networks, whose
// plans the document walks through; the others are printed.
TEST(FusionModels, KernelsPerStep) {
  std::string table =
      "| model | train: ops | train: kernels | train: bytes stored per sample, unfused -> fused | eval: ops | "
      "eval: kernels | train kernels by kind |\n"
      "|---|---:|---:|---:|---:|---:|---|\n";
  for (const ModelDef& m : registered_models()) {
    Graph train = fusion_test::training_graph(m.name), eval = fusion_test::eval_graph(m.name);
    FusionPlan train_plan = passes::fuse(train), eval_plan = passes::fuse(eval);
    std::string kinds;
    for (GroupKind k : {GroupKind::contraction, GroupKind::window, GroupKind::softmax, GroupKind::reduction,
                        GroupKind::elementwise, GroupKind::movement, GroupKind::other}) {
      size_t n = fusion_test::count_kind(train_plan, k);
      if (n == 0) continue;
      if (!kinds.empty()) kinds += ", ";
      kinds += cat(n, " ", passes::group_kind_name(k));
    }
    const FusionPlan train_unfused = passes::unfused_plan(train);
    table += cat("| ", m.name, " | ", train_unfused.groups.size(), " | ", train_plan.groups.size(), " | ",
                 passes::stored_bytes(train, train_unfused).per_sample, " -> ",
                 passes::stored_bytes(train, train_plan).per_sample, " | ", passes::unfused_plan(eval).groups.size(),
                 " | ", eval_plan.groups.size(), " | ", kinds, " |\n");
    // Fusion never stores more than running every op on its own.
    EXPECT_LE(passes::stored_bytes(train, train_plan).per_sample, passes::stored_bytes(train, train_unfused).per_sample);
    if (m.name == "mnist_mlp") {
      // Per layer: forward GEMM with bias and relu, weight-gradient GEMM
      // with the bias gradient, data-gradient GEMM with the relu mask (not
      // for the first layer); the softmax rows and the batch sums.
      EXPECT_EQ(train_plan.groups.size(), 7u) << passes::print_fusion_plan(train, train_plan);
      EXPECT_EQ(eval_plan.groups.size(), 4u) << passes::print_fusion_plan(eval, eval_plan);
    }
    if (m.name == "lenet") {
      // 5 forward contractions and 2 pools, the softmax rows and the batch
      // sums; backward, 5 weight gradients, 4 data gradients, 2 pool
      // gradients (the conv1 data gradient is not needed).
      EXPECT_EQ(train_plan.groups.size(), 20u) << passes::print_fusion_plan(train, train_plan);
    }
  }
  std::printf("%s", table.c_str());
}

}  // namespace
}  // namespace graphc
