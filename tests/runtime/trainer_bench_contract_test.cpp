// What bench/compare.py relies on when it times a trainer against PyTorch:
// --max-steps caps every epoch at that many steps, --val-split 0 with
// --drop-last trains on the whole training set in full batches only (as
// torch_ref.py does), the header line states "batch B, E epochs of S steps"
// (the script checks the steps each side ran against it), and every epoch
// of the metrics file carries a positive samples_per_s with no validation
// in the epoch. If one of these changes, the benchmark would compare
// different work; these tests say so first.
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "runtime/trainer/training_loop.h"
#include "trainer_test_util.h"

namespace graphc::runtime::trainer_testing {
namespace {

struct BenchRun {
  TrainingOutcome outcome;
  std::string out;
};

// 30 training samples: full batches of 4 make 7 steps per epoch.
BenchRun bench_run(const TempDir& dir, const std::string& max_steps) {
  write_tiny_mnist(dir.path().string(), 30, 6);
  const Program program = tiny_classifier_program();
  const TrainerOptions options = parse_trainer_args(
      program, {"--data", dir.path().string(), "--epochs", "2", "--max-steps", max_steps, "--batch-size", "4",
                "--val-split", "0", "--drop-last", "--optimizer", "sgd", "--momentum", "0", "--lr", "0.1"});
  std::ostringstream out;
  BenchRun r{train(program, options, out, false), ""};
  r.out = out.str();
  return r;
}

TEST(TrainerBenchContract, MaxStepsCapsEachEpochAndTheHeaderSaysSo) {
  TempDir dir;
  const BenchRun r = bench_run(dir, "3");
  EXPECT_NE(r.out.find("tiny_classifier: 30 training samples"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("batch 4, 2 epochs of 3 steps"), std::string::npos) << r.out;
  EXPECT_EQ(r.outcome.position.step, 6);
  ASSERT_EQ(r.outcome.epochs.size(), 2u);
  for (const EpochMetrics& m : r.outcome.epochs) {
    EXPECT_FALSE(m.val_loss.has_value()) << "--val-split 0: nothing to validate inside the epoch";
    EXPECT_GT(m.samples_per_s, 0);
    ASSERT_TRUE(m.train_acc.has_value());
    const double correct = *m.train_acc * 12;  // 3 full batches of 4
    EXPECT_NEAR(correct, std::round(correct), 1e-9) << "train_acc " << *m.train_acc << " is not k/12";
  }
}

TEST(TrainerBenchContract, MaxStepsBeyondAnEpochRunsTheEpochAndTheHeaderShowsIt) {
  TempDir dir;
  const BenchRun r = bench_run(dir, "50");
  EXPECT_NE(r.out.find("batch 4, 2 epochs of 7 steps"), std::string::npos)
      << "30 samples in full batches of 4 are 7 steps, the partial one dropped\n"
      << r.out;
  EXPECT_EQ(r.outcome.position.step, 14);
}

}  // namespace
}  // namespace graphc::runtime::trainer_testing
