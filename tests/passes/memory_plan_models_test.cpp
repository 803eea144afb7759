// Memory plans of every model of the zoo at its recipe's batch size: each
// passes the checker, the arena is within 1.25x of the peak-live lower bound
// and at most half the naive sum. The test prints the table of
// docs/memory_planning.md; regenerate it with
//   test_passes --gtest_filter=MemoryPlanModels.*
#include <gtest/gtest.h>

#include <cstdio>

#include "frontend/model_registry.h"
#include "memory_plan_fixtures.h"
#include "passes/autodiff.h"
#include "passes/memory_plan.h"
#include "passes/simplify.h"

namespace graphc::passes {
namespace {

}
Graph bound_training_graph(const ModelDef& m) {
  Graph training = build_training_graph(build_model(m));
  simplify(training);
  return training.with_batch(m.recipe.batch_size);
}

std::string table_row(const ModelDef& m, const FusionPlan& plan, const MemoryPlan& memory) {
  auto mib = [](int64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); };
  char row[320];
  std::snprintf(row, sizeof row, "| %s | %lld | %zu | %zu | %d | %.2f | %.2f | %.2f | %.3f | %.3f | %.2f | %.2f |\n",
                m.name.c_str(), static_cast<long long>(m.recipe.batch_size), plan.groups.size(), memory.buffers.size(),
                memory.in_place_count, mib(memory.naive_bytes), mib(memory.peak_live_bytes), mib(memory.arena_bytes),
                static_cast<double>(memory.arena_bytes) / static_cast<double>(memory.peak_live_bytes),
                static_cast<double>(memory.arena_bytes) / static_cast<double>(memory.naive_bytes),
                mib(memory.parameters.bytes()), mib(memory.gradients.bytes()));
  return row;
}

void plan_every_model(const char* title, FusionPlan (*fuse_graph)(const Graph&)) {
  std::string table = cat("\n", title,
                          "\n| model | batch | groups | buffers | in place | naive MiB | peak live MiB | arena MiB | "
                          "arena/peak | arena/naive | params MiB | grads MiB |\n"
                          "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  ASSERT_GE(registered_models().size(), 6u);
  for (const ModelDef& m : registered_models()) {
    SCOPED_TRACE(m.name);
    Graph g = bound_training_graph(m);
    FusionPlan plan = fuse_graph(g);
    MemoryPlan memory = plan_memory(g, plan);
    EXPECT_NO_THROW(check_memory_plan(g, plan, memory));
    EXPECT_GE(memory.arena_bytes, memory.peak_live_bytes);
    EXPECT_LE(memory.arena_bytes * 4, memory.peak_live_bytes * 5) << "arena more than 1.25x the peak live bytes";
    EXPECT_LE(memory.arena_bytes * 2, memory.naive_bytes) << "arena more than half the naive sum";
    table += table_row(m, plan, memory);
  }
  std::printf("%s", table.c_str());
}

TEST(MemoryPlanModels, UnfusedPlansOfEveryModelMeetTheBounds) {
  plan_every_model("One node per kernel (unfused):", graphc::testing::one_node_per_group);
}

}  // namespace
}  // namespace graphc::passes
namespace graphc::passes {
TEST(MemoryPlanModels, DumpForDebug) {
  for (const char* name : {"mnist_logreg", "mnist_mlp"}) {
    const ModelDef* m = find_model(name);
    Graph g = graphc::passes::bound_training_graph(*m);
    FusionPlan plan = graphc::testing::one_node_per_group(g);
    std::printf("%s\n", print_memory_plan(g, plan, plan_memory(g, plan)).c_str());
  }
}
}
