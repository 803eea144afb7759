// See compile_program.h.
#include "runtime/compile_program.h"

#include "passes/pass_manager.h"
#include "passes/simplify.h"

namespace graphc::runtime {

Program compile_program(const std::string& model, const Graph& train_forward, const Graph& eval_forward,
                        const Recipe& recipe, int64_t max_batch, std::string* pass_log) {
  passes::PassManagerOptions options;
  options.verify = true;
  passes::PassManager pm = passes::standard_pass_manager(options);
  Program p;
  p.model = model;
  p.recipe = recipe;
  p.max_batch = max_batch;
  p.train = train_forward;
  pm.run(p.train);
  if (pass_log != nullptr) *pass_log = pm.log_text();
  p.eval = eval_forward;
  passes::simplify(p.eval);
  return p;
}

}  // namespace graphc::runtime
