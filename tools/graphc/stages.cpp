#include "tools/graphc/stages.h"

#include <cstdio>
#include <iostream>

#include "passes/fusion.h"
#include "passes/memory_plan.h"
#include "passes/pass_manager.h"
#include "passes/simplify.h"
#include "runtime/grad_check.h"

namespace graphc::cli {

bool is_fusion_stage(const std::string& stage) { return stage == "after-fusion"; }

std::string dump_fusion(const Graph& g) {
  passes::FusionPlan plan = passes::fuse(g);
  return print_fusion_plan(g, plan) + passes::fusion_report(g, plan);
}

std::string dump_memory_plan(const Graph& forward, int64_t batch) {
  Graph g = graph_at_stage(forward, "after-fusion", false).with_batch(batch);
  passes::FusionPlan plan = passes::fuse(g);
  passes::MemoryPlan memory = passes::plan_memory(g, plan);
  passes::check_memory_plan(g, plan, memory);
  return print_memory_plan(g, plan, memory);
}

Graph graph_at_stage(const Graph& forward, const std::string& stage, bool print_passes) {
  if (stage.empty() || stage == "forward") return forward;
  if (is_fusion_stage(stage)) return graph_at_stage(forward, "after-" + passes::pipeline_stage_names().back(), print_passes);
  std::string known = "forward";
  for (const auto& name : passes::pipeline_stage_names()) known += ", after-" + name;
  known += ", after-fusion";
  if (stage.rfind("after-", 0) != 0) throw Error(cat("unknown stage '", stage, "' (known: ", known, ")"));
  std::string pass = stage.substr(6);
  bool found = false;
  for (const auto& name : passes::pipeline_stage_names()) found |= name == pass;
  if (!found) throw Error(cat("unknown stage '", stage, "' (known: ", known, ")"));

  passes::PassManagerOptions options;
  options.verify = true;
  options.stop_after = pass;
  passes::PassManager pm = passes::standard_pass_manager(options);
  Graph g = forward;
  pm.run(g);
  if (print_passes) std::cerr << pm.log_text();
  return g;
}

runtime::Program compile_program(const std::string& model, const Graph& train_forward, const Graph& eval_forward,
                                 const Recipe& recipe, int64_t max_batch, bool print_passes) {
  passes::PassManagerOptions options;
  options.verify = true;
  passes::PassManager pm = passes::standard_pass_manager(options);
  runtime::Program p;
  p.model = model;
  p.recipe = recipe;
  p.max_batch = max_batch;
  p.train = train_forward;
  pm.run(p.train);
  if (print_passes) std::cerr << pm.log_text();
  p.eval = eval_forward;
  passes::simplify(p.eval);
  return p;
}

}  // namespace graphc::cli

namespace graphc::cli {

bool run_check_grad(const Graph& forward, uint64_t seed, int64_t max_parameters, int64_t max_elements) {
  runtime::GradCheckOptions options;
  options.seed = seed;
  options.max_parameters = max_parameters;
  options.max_elements_per_parameter = max_elements;
  runtime::GradCheckReport report = runtime::check_gradients(forward, options);
  std::cout << report.str();
  return report.passed;
}

}  // namespace graphc::cli
