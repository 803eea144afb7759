// The fusion plan's checker, baseline and text form: every invariant of
// fusion_plan.h, broken one at a time on a small valid plan, is reported
// by name; the unfused plan is valid for every model; the text form lists
// kernels with their kind, anchor, inputs, outputs and nodes.
#include <gtest/gtest.h>

#include "frontend/model_registry.h"
#include "frontend/ops.h"
#include "fusion_test_util.h"
#include "passes/fusion.h"

namespace graphc {
namespace {

using passes::FusedGroup;
using passes::FusionPlan;
using passes::GroupKind;

// x -> matmul(x, w) -> + b -> relu, and a reduction of the result.
struct Dense {
  Graph g{"dense"};
  ValueId x, w, bias, product, sum_value, relu_value, total;
  Dense() {
    Builder b(g);
    Tensor tx = b.input("x", DType::f32, {kBatch, 3});
    Tensor tw = b.parameter("w", {2, 3}, InitSpec{"uniform", {-1, 1}});
    Tensor tb = b.parameter("b", {2}, InitSpec{"uniform", {-1, 1}});
    Tensor p = matmul(tx, tw, false, true);
    Tensor s = p + tb;
    Tensor r = relu(s);
    Tensor t = sum(r);
    b.output("y", r, OutputRole::value);
    b.output("total", t, OutputRole::value);
    x = tx.id(), w = tw.id(), bias = tb.id(), product = p.id(), sum_value = s.id(), relu_value = r.id(), total = t.id();
  }
  // kernel 0: matmul + bias + relu; kernel 1: the sum.
  FusionPlan plan() const {
    FusionPlan plan;
    plan.groups.push_back({GroupKind::contraction, product, {product, sum_value, relu_value}, {x, w, bias}, {relu_value}});
    plan.groups.push_back({GroupKind::reduction, total, {total}, {relu_value}, {total}});
    return plan;
  }
};

void expect_rejected(const Graph& g, const FusionPlan& plan, const std::string& fragment) {
  try {
    passes::check_fusion_plan(g, plan);
    ADD_FAILURE() << "accepted a plan that should fail with: " << fragment;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(FusionPlan, AcceptsAValidPlan) {
  Dense d;
  EXPECT_NO_THROW(passes::check_fusion_plan(d.g, d.plan()));
  EXPECT_EQ(passes::print_fusion_plan(d.g, passes::fuse(d.g)), passes::print_fusion_plan(d.g, d.plan()));
}

TEST(FusionPlan, RejectsANodeInTwoGroups) {
  Dense d;
  FusionPlan plan = d.plan();
  plan.groups[1].nodes.insert(plan.groups[1].nodes.begin(), d.relu_value);
  expect_rejected(d.g, plan, "is in kernel 0 (contraction) and in kernel 1 (reduction)");
}

TEST(FusionPlan, RejectsANodeInNoGroup) {
  Dense d;
  FusionPlan plan = d.plan();
  plan.groups.pop_back();
  expect_rejected(d.g, plan, cat("%", d.total, " (reduce_sum) is in no group"));
}

TEST(FusionPlan, RejectsASourceInAGroup) {
  Dense d;
  FusionPlan plan = d.plan();
  plan.groups[0].nodes.insert(plan.groups[0].nodes.begin(), d.w);
  expect_rejected(d.g, plan, cat("holds source %", d.w, " (parameter)"));
}

TEST(FusionPlan, RejectsGroupsOutOfDependencyOrder) {
  Dense d;
  FusionPlan plan = d.plan();
  std::swap(plan.groups[0], plan.groups[1]);
  expect_rejected(d.g, plan, cat("reads %", d.relu_value, ", written later by kernel 1"));
}

TEST(FusionPlan, RejectsNodesOutOfTopologicalOrderInAGroup) {
  Dense d;
  FusionPlan plan = d.plan();
  std::swap(plan.groups[0].nodes[0], plan.groups[0].nodes[1]);
  expect_rejected(d.g, plan, "before its operand");
}

TEST(FusionPlan, RejectsOutputsThatAreNotExactlyTheValuesUsedLater) {
  Dense d;
  FusionPlan missing = d.plan();
  missing.groups[0].outputs.clear();
  expect_rejected(d.g, missing, cat("lists outputs (none) but the values used after it are %", d.relu_value));
  FusionPlan extra = d.plan();
  extra.groups[0].outputs.push_back(d.sum_value);
  expect_rejected(d.g, extra, "lists outputs");
  FusionPlan twice = d.plan();
  twice.groups[1].outputs.push_back(d.total);
  expect_rejected(d.g, twice, "lists an output twice");
}

TEST(FusionPlan, RejectsInputsThatAreNotExactlyTheValuesReadFromOutside) {
  Dense d;
  FusionPlan plan = d.plan();
  plan.groups[0].inputs.pop_back();
  expect_rejected(d.g, plan, "lists inputs");
}

TEST(FusionPlan, RejectsAKindThatDoesNotMatchTheAnchor) {
  Dense d;
  FusionPlan wrong_kind = d.plan();
  wrong_kind.groups[0].kind = GroupKind::elementwise;
  expect_rejected(d.g, wrong_kind, "has anchor");
  FusionPlan no_anchor = d.plan();
  no_anchor.groups[1].anchor = -1;
  expect_rejected(d.g, no_anchor, "is not anchored on a reduction");
  FusionPlan foreign_anchor = d.plan();
  foreign_anchor.groups[1].anchor = d.product;
  expect_rejected(d.g, foreign_anchor, "which is not one of its nodes");
  FusionPlan empty = d.plan();
  empty.groups.push_back({});
  expect_rejected(d.g, empty, "is empty");
}

TEST(FusionPlan, TheUnfusedPlanIsValidForEveryModel) {
  for (const ModelDef& m : registered_models()) {
    SCOPED_TRACE(m.name);
    for (const Graph& g : {fusion_test::training_graph(m.name), fusion_test::eval_graph(m.name)}) {
      FusionPlan plan = passes::unfused_plan(g);
      EXPECT_NO_THROW(passes::check_fusion_plan(g, plan));
      size_t computed = 0;
      for (const Node& n : g.nodes()) computed += n.info().cls != OpClass::source;
      EXPECT_EQ(plan.groups.size(), computed);
    }
  }
}

TEST(FusionPlan, PrintsEveryKernelWithItsNodes) {
  Dense d;
  const std::string expected = cat(
      "fusion plan dense: 2 kernels, 4 ops\n",                                                                      //
      "kernel 0 (contraction, anchor %3): inputs %0 %1 %2 -> outputs %5\n",                                         //
      "  %3 = matmul(%0, %1) {transpose_a=false, transpose_b=true} : f32[N,2]\n",                                   //
      "  %4 = add(%3, %2) : f32[N,2]\n",                                                                            //
      "  %5 = relu(%4) : f32[N,2]\n",                                                                               //
      "kernel 1 (reduction, anchor %6): inputs %5 -> outputs %6\n",                                                 //
      "  %6 = reduce_sum(%5) {axes=[0,1], keepdims=false} : f32[]\n",                                               //
      "output y = %5 (value)\n",                                                                                    //
      "output total = %6 (value)\n");
  EXPECT_EQ(passes::print_fusion_plan(d.g, d.plan()), expected);
}

TEST(FusionPlan, ReportsKernelsPerKindAgainstTheUnfusedCount) {
  Dense d;
  EXPECT_EQ(passes::fusion_report(d.g, d.plan()),
            "fusion of dense: 4 ops in 2 kernels (unfused: 4 kernels)\n"
            "  reduction    1\n"
            "  contraction  1\n"
            "  stored per step: 4 bytes + 8 bytes per sample (unfused: 4 bytes + 24 bytes per sample)\n");
}

}  // namespace
}  // namespace graphc
