// How a Program is made from a model's forward graphs: the training graph
// through the whole standard pipeline (autodiff, simplification), the eval
// graph simplified. One definition shared by graphc and the tests, so tests
// run the graphs a trainer executable carries. Backend code (the CPU plan)
// is added by the backend's compile step (codegen/compile_cpu.h).
#pragma once

#include <cstdint>
#include <string>

#include "runtime/program.h"

namespace graphc::runtime {

// pass_log, when given, receives the pass manager's per-pass log.
Program compile_program(const std::string& model, const Graph& train_forward, const Graph& eval_forward,
                        const Recipe& recipe, int64_t max_batch, std::string* pass_log = nullptr);

}  // namespace graphc::runtime
