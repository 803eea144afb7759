#include "passes/pass_manager.h"

#include <algorithm>

#include "ir/verifier.h"
#include "passes/autodiff.h"
#include "passes/simplify.h"

namespace graphc::passes {

std::string PassLogEntry::str() const {
  if (!changed) return cat(name, ": ", nodes_after, " nodes (unchanged)");
  return cat(name, ": ", nodes_before, " -> ", nodes_after, " nodes");
}

PassManager& PassManager::add(Pass pass) {
  GRAPHC_ASSERT(pass.run, "pass ", pass.name, " has no function");
  std::vector<std::string> names = pass_names();
  GRAPHC_ASSERT(std::find(names.begin(), names.end(), pass.name) == names.end(), "pass ", pass.name, " is added twice");
  passes_.push_back(std::move(pass));
  return *this;
}

std::vector<std::string> PassManager::pass_names() const {
  std::vector<std::string> names;
  for (const auto& p : passes_) names.push_back(p.name);
  return names;
}

void PassManager::run(Graph& g) {
  const std::string& stop = options_.stop_after;
  if (!stop.empty() && std::none_of(passes_.begin(), passes_.end(), [&](const Pass& p) { return p.name == stop; })) {
    std::string known;
    for (const auto& name : pass_names()) known += (known.empty() ? "" : ", ") + name;
    throw Error(cat("no pass named '", stop, "' (passes: ", known, ")"));
  }
  for (const Pass& pass : passes_) {
    PassLogEntry entry{pass.name, g.size(), 0, false};
    entry.changed = pass.run(g);
    entry.nodes_after = g.size();
    log_.push_back(entry);
    if (options_.verify) {
      try {
        verify(g);
      } catch (const Error& e) {
        throw Error(cat("after pass ", pass.name, ": ", e.what()));
      }
    }
    if (pass.name == stop) return;
  }
}

std::string PassManager::log_text() const {
  std::string s;
  for (const auto& e : log_) s += e.str() + "\n";
  return s;
}

std::vector<Pass> standard_pipeline() {
  return {
      {"autodiff",
       [](Graph& g) {
         g = build_training_graph(g);
         return true;
       }},
      {"simplify", simplify},
  };
}

std::vector<std::string> pipeline_stage_names() {
  std::vector<std::string> names;
  for (const auto& p : standard_pipeline()) names.push_back(p.name);
  return names;
}

PassManager standard_pass_manager(PassManagerOptions options) {
  PassManager pm(std::move(options));
  for (auto& p : standard_pipeline()) pm.add(std::move(p));
  return pm;
}

}  // namespace graphc::passes
