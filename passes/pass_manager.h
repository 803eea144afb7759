// The pass manager and the standard pipeline. Every step of the compiler is a
// named pass; the manager runs them in order, verifies the graph after each
// (the verifier is the IR's spec), logs what each did, and can stop right
// after any of them, which is how the CLI shows the IR at every stage
// (`graphc --dump-ir=after-<pass>`) and how a miscompile is bisected.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace graphc::passes {

struct Pass {
  std::string name;
  std::function<bool(Graph&)> run;  // returns whether it changed the graph
};

struct PassLogEntry {
  std::string name;
  size_t nodes_before = 0, nodes_after = 0;
  bool changed = false;
  std::string str() const;  // "autodiff: 24 -> 87 nodes" or "simplify: 87 nodes (unchanged)"
};

#ifdef NDEBUG
inline constexpr bool kVerifyPassesByDefault = false;
#else
inline constexpr bool kVerifyPassesByDefault = true;
#endif

struct PassManagerOptions {
  // Run the verifier after every pass; a failure names the pass. On in
  // debug builds; tests turn it on explicitly.
  bool verify = kVerifyPassesByDefault;
  // If not empty, stop right after the pass of this name.
  std::string stop_after;
};

class PassManager {
 public:
  explicit PassManager(PassManagerOptions options = {}) : options_(std::move(options)) {}

  PassManager& add(Pass pass);
  std::vector<std::string> pass_names() const;

  // Runs the passes in order on g, or up to and including options.stop_after
  // (graphc::Error listing the known names if no pass has that name). A
  // verifier failure is reported as graphc::Error "after pass X: ...".
  void run(Graph& g);

  const std::vector<PassLogEntry>& log() const { return log_; }
  std::string log_text() const;  // one line per pass run

 private:
  PassManagerOptions options_;
  std::vector<Pass> passes_;
  std::vector<PassLogEntry> log_;
};

// The compiler's pipeline from a forward graph to what the backends consume,
// in order. Later stages (fusion, memory planning) are appended here.
std::vector<Pass> standard_pipeline();
// The names of standard_pipeline()'s passes, for --dump-ir=after-<name>.
std::vector<std::string> pipeline_stage_names();
// A pass manager holding the standard pipeline.
PassManager standard_pass_manager(PassManagerOptions options = {});

}  // namespace graphc::passes
