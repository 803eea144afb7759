// Exit statuses follow the usual convention (2 for usage, 1 for failure) so
// scripts can tell "you called it wrong" from "it ran and failed".
#include "runtime/trainer/run_trainer.h"

#include <iostream>

#include "runtime/trainer/backend_check.h"
#include "runtime/trainer/progress.h"
#include "runtime/trainer/training_loop.h"

namespace graphc::runtime {

namespace {

int run(const Program& program, const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
        bool terminal, const LinkedCode& code) {
  const std::string name = "train_" + program.model;
  TrainerOptions options;
  try {
    options = parse_trainer_args(program, args);
  } catch (const UsageError& e) {
    err << name << ": " << e.what() << "\n(" << name << " --help lists the flags)\n";
    return 2;
  }
  if (options.help) {
    out << trainer_usage(program);
    return 0;
  }
  try {
    if (!options.check_against.empty()) return check_backend(program, options, out, code) ? 0 : 1;
    train(program, options, out, terminal, {}, code);
    return 0;
  } catch (const Error& e) {
    out << std::flush;
    err << name << ": " << e.what() << "\n";
    return 1;
  }
}

}  // namespace

int run_trainer(const Program& program, const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                const LinkedCode& code) {
  return run(program, args, out, err, false, code);
}

int run_trainer(const Program& program, const std::vector<std::string>& args, const LinkedCode& code) {
  return run(program, args, std::cout, std::cerr, stdout_is_terminal(), code);
}

}  // namespace graphc::runtime
