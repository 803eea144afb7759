// Helpers for the trainer tests: programs built in-process the way graphc
// builds them (the standard pipeline on the training graph, simplify on the
// eval graph), a tiny image classifier with every feature the loop must
// handle (batch norm running statistics, dropout, two layers to freeze one
// of), MNIST-format files of 2x2 images written by the test, and a way to
// run a trainer command line and capture what it prints.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data_test_files.h"
#include "runtime/program.h"
#include "runtime/trainer/executor.h"

namespace graphc::runtime::trainer_testing {

using data::testing::TempDir;

// A zoo model compiled as graphc compiles it.
Program zoo_program(const std::string& model);

// x f32[N,1,2,2] -> Flatten -> fc1 Linear(4,8) -> ReLU -> bn BatchNorm1d(8)
// -> Dropout(0.25) -> fc2 Linear(8,3), classifier outputs. Parameters:
// fc1.weight/bias, bn.weight/bias/running_mean/running_var, fc2.weight/bias.
// Recipe: data set "mnist", batch 4, momentum 0.9, lr 0.05, 2 epochs,
// validation 0.2, eval batch 7 (so chunks end partial), max_batch 16.
Program tiny_classifier_program();

// x f32[N,1,2,2] -> Flatten -> fc Linear(4,3), no hidden layer, so a test can
// choose weights whose predictions it knows.
Program tiny_linear_program();

// MNIST-format IDX files (train-*, t10k-*) of 2x2 greyscale images in
// `dir`: class c in {0,1,2} lights pixel c (200..255), the other pixels stay
// dim (0..59); labels cycle 0,1,2. Deterministic.
void write_tiny_mnist(const std::string& dir, int train_count, int test_count);

struct RunOutput {
  int status = -1;
  std::string out;
  std::string err;
};
// `code`: compiled kernels linked beside the program (none: the interpreter runs).
RunOutput run(const Program& program, const std::vector<std::string>& args, const LinkedCode& code = {});

// The same run without and with --profile `profile` (a JSON file it
// writes), and that file's pieces by "graph/name".
struct ProfiledRuns {
  RunOutput plain, profiled;
  nlohmann::json profile;
  std::map<std::string, nlohmann::json> pieces;
};
ProfiledRuns run_with_and_without_profile(const Program& program, const std::vector<std::string>& args,
                                          const LinkedCode& code, const std::string& profile);

}  // namespace graphc::runtime::trainer_testing
