// Memory plans of every model of the zoo at its recipe's batch size, for the
// unfused plan (one op per kernel) and for passes::fuse: each passes the
// checker and its arena is within 1.25x of the peak-live lower bound. Against
// the naive sum (each buffer of the plan in its own allocation) the unfused
// plans need at most half; a fused plan has few buffers, nearly all of them
// activations saved for backward and live at once, so its peak alone is
// above half its own naive sum; it is held to half of the unfused naive sum
// (every value of the graph in its own allocation) instead. The test prints
// the tables of docs/memory_planning.md; regenerate them with
//   test_passes --gtest_filter=MemoryPlanModels.*
#include <gtest/gtest.h>

#include <cstdio>
#include <functional>

#include "frontend/model_registry.h"
#include "passes/autodiff.h"
#include "passes/memory_plan.h"
#include "passes/simplify.h"
#include "passes/fusion.h"

namespace graphc::passes {
namespace {

Graph bound_training_graph(const ModelDef& m) {
  Graph training = build_training_graph(build_model(m));
  simplify(training);
  return training.with_batch(m.recipe.batch_size);
}

double kib(int64_t bytes) { return static_cast<double>(bytes) / 1024.0; }
double ratio(int64_t a, int64_t b) { return static_cast<double>(a) / static_cast<double>(b); }

std::string table_row(const ModelDef& m, const FusionPlan& plan, const MemoryPlan& memory) {
  char row[400];
  std::snprintf(row, sizeof row,
                "| %s | %lld | %zu | %zu | %d | %zu | %.1f | %.1f | %.1f | %.1f | %.3f | %.3f | %.3f |\n",
                m.name.c_str(), static_cast<long long>(m.recipe.batch_size), plan.groups.size(), memory.buffers.size(),
                memory.in_place_count, memory.views.size(), kib(memory.unfused_naive_bytes), kib(memory.naive_bytes),
                kib(memory.peak_live_bytes), kib(memory.arena_bytes), ratio(memory.arena_bytes, memory.peak_live_bytes),
                ratio(memory.arena_bytes, memory.naive_bytes), ratio(memory.arena_bytes, memory.unfused_naive_bytes));
  return row;
}

enum class NaiveBaseline { plan_buffers, unfused_values };

void plan_every_model(const char* title, const std::function<FusionPlan(const Graph&)>& fuse_graph,
                      NaiveBaseline baseline) {
  std::string table = cat("\n", title,
                          "\n| model | batch | kernels | buffers | in place | views | unfused naive KiB | naive KiB | "
                          "peak live KiB | arena KiB | arena/peak | arena/naive | arena/unfused naive |\n"
                          "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  ASSERT_GE(registered_models().size(), 6u);
  for (const ModelDef& m : registered_models()) {
    SCOPED_TRACE(m.name);
    Graph g = bound_training_graph(m);
    FusionPlan plan = fuse_graph(g);
    check_fusion_plan(g, plan);
    MemoryPlan memory = plan_memory(g, plan);
    EXPECT_NO_THROW(check_memory_plan(g, plan, memory));
    EXPECT_GE(memory.arena_bytes, memory.peak_live_bytes);
    EXPECT_LE(memory.arena_bytes * 4, memory.peak_live_bytes * 5) << "arena more than 1.25x the peak live bytes";
    if (baseline == NaiveBaseline::plan_buffers)
      EXPECT_LE(memory.arena_bytes * 2, memory.naive_bytes) << "arena more than half the naive sum";
    else
      EXPECT_LE(memory.arena_bytes * 2, memory.unfused_naive_bytes) << "arena more than half the unfused naive sum";
    table += table_row(m, plan, memory);
  }
  std::printf("%s", table.c_str());
}

TEST(MemoryPlanModels, UnfusedPlansOfEveryModelMeetTheBounds) {
  plan_every_model("One op per kernel (passes::unfused_plan):", unfused_plan, NaiveBaseline::plan_buffers);
}

TEST(MemoryPlanModels, FusedPlansOfEveryModelMeetTheBounds) {
  plan_every_model(
      "Fused kernels (passes::fuse):", [](const Graph& g) { return fuse(g); }, NaiveBaseline::unfused_values);
}

}  // namespace
}  // namespace graphc::passes
