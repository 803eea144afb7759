// The whole trainer command line, in-process: what every train_<model>
// executable does after reading the program embedded in it. Kept out of
// main() so tests run trainers without spawning processes.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "runtime/program.h"
#include "runtime/trainer/executor.h"

namespace graphc::runtime {

// Parses `args` (without the program name), trains, prints progress and
// results to `out` and errors to `err`. Returns the exit status: 0 done,
// 1 the run failed (bad data, NaN loss, unusable checkpoint, CUDA asked of a
// CPU-only trainer), 2 a bad command line.
// `code` is the compiled code linked beside the program.
int run_trainer(const Program& program, const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                const LinkedCode& code = {});

// The same on std::cout (with a progress bar when it is a terminal) and std::cerr.
int run_trainer(const Program& program, const std::vector<std::string>& args, const LinkedCode& code = {});

}  // namespace graphc::runtime
