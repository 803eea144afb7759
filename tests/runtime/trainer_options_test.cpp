// The trainer's command line: recipe defaults, overrides in both spellings,
// and every kind of bad input reported by name with the right exit status.
#include <gtest/gtest.h>

#include "runtime/trainer/trainer_options.h"
#include "trainer_test_util.h"

namespace graphc::runtime::trainer_testing {
namespace {

const Program& linreg() {
  static const Program p = zoo_program("linreg");
  return p;
}

void expect_usage_error(const std::vector<std::string>& args, const std::string& part) {
  try {
    parse_trainer_args(linreg(), args);
    ADD_FAILURE() << "expected a usage error mentioning: " << part;
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what() << "\n  lacks: " << part;
  }
}

TEST(TrainerOptions, DefaultsComeFromTheRecipe) {
  const TrainerOptions o = parse_trainer_args(linreg(), {});
  EXPECT_EQ(o.epochs, 100);
  EXPECT_EQ(o.batch_size, 11);
  EXPECT_EQ(o.optimizer.kind, OptimizerKind::sgd);
  EXPECT_EQ(o.optimizer.lr, 1e-5);
  EXPECT_EQ(o.schedule.kind, ScheduleKind::constant);
  EXPECT_EQ(o.val_fraction, 0.0);
  EXPECT_FALSE(o.augment);
  EXPECT_EQ(o.device, "cpu");
  EXPECT_TRUE(o.data.empty());
  EXPECT_FALSE(o.seed_given);
}

TEST(TrainerOptions, FlagsOverrideTheRecipeInBothSpellings) {
  const TrainerOptions o = parse_trainer_args(
      linreg(), {"--epochs", "3", "--batch-size=5", "--lr", "0.5", "--optimizer=adamw", "--weight-decay", "0.01",
                 "--schedule", "cosine", "--clip-grad-norm", "1.5", "--seed", "7", "--threads", "2", "--val-split",
                 "0.25", "--drop-last", "--augment", "--checkpoint", "c.safetensors", "--checkpoint-every", "10",
                 "--metrics", "m.jsonl", "--max-steps", "4", "--freeze", "fc1", "--freeze=fc2.", "--quiet",
                 "--data", "x.csv"});
  EXPECT_EQ(o.epochs, 3);
  EXPECT_EQ(o.batch_size, 5);
  EXPECT_EQ(o.optimizer.lr, 0.5);
  EXPECT_EQ(o.schedule.base_lr, 0.5);
  EXPECT_EQ(o.optimizer.kind, OptimizerKind::adamw);
  EXPECT_EQ(o.optimizer.weight_decay, 0.01);
  EXPECT_EQ(o.schedule.kind, ScheduleKind::cosine);
  EXPECT_EQ(o.clip_grad_norm, 1.5);
  EXPECT_EQ(o.seed, 7u);
  EXPECT_TRUE(o.seed_given);
  EXPECT_EQ(o.threads, 2);
  EXPECT_EQ(o.val_fraction, 0.25);
  EXPECT_TRUE(o.drop_last);
  EXPECT_TRUE(o.augment);
  EXPECT_EQ(o.checkpoint, "c.safetensors");
  EXPECT_EQ(o.checkpoint_every, 10);
  EXPECT_EQ(o.metrics, "m.jsonl");
  EXPECT_EQ(o.max_steps, 4);
  EXPECT_EQ(o.freeze, (std::vector<std::string>{"fc1", "fc2."}));
  EXPECT_TRUE(o.quiet);
  EXPECT_EQ(o.data, "x.csv");
}

TEST(TrainerOptions, TheLastOfAugmentAndNoAugmentWins) {
  EXPECT_FALSE(parse_trainer_args(linreg(), {"--augment", "--no-augment"}).augment);
  EXPECT_TRUE(parse_trainer_args(linreg(), {"--no-augment", "--augment"}).augment);
}

TEST(TrainerOptions, BadInputIsAUsageErrorNamingTheFlag) {
  expect_usage_error({"--epoch", "3"}, "unknown flag --epoch");
  expect_usage_error({"data.csv"}, "unexpected argument 'data.csv'");
  expect_usage_error({"--epochs"}, "--epochs needs a value (N)");
  expect_usage_error({"--epochs", "three"}, "--epochs: 'three' is not an integer");
  expect_usage_error({"--epochs", "-1"}, "--epochs: '-1' is not an integer in [0, 2147483647]");
  expect_usage_error({"--batch-size", "0"}, "--batch-size: '0' is not an integer >= 1");
  expect_usage_error({"--lr", "fast"}, "--lr: 'fast' is not a finite number");
  expect_usage_error({"--lr", "-0.1"}, "--lr: '-0.1' is not a number >= 0");
  expect_usage_error({"--lr", "inf"}, "--lr: 'inf' is not a finite number");
  expect_usage_error({"--momentum", "1"}, "--momentum: '1' is not a fraction in [0, 1)");
  expect_usage_error({"--val-split", "1.5"}, "--val-split: '1.5' is not a fraction in [0, 1)");
  expect_usage_error({"--clip-grad-norm", "0"}, "--clip-grad-norm: '0' is not a number > 0");
  expect_usage_error({"--optimizer", "rmsprop"}, "unknown optimizer 'rmsprop'");
  expect_usage_error({"--schedule", "linear"}, "--schedule:");
  expect_usage_error({"--device", "tpu"}, "--device: 'tpu' is not cpu, cuda or interpreter");
  expect_usage_error({"--drop-last=yes"}, "--drop-last takes no value");
  expect_usage_error({"--checkpoint-every", "5"}, "--checkpoint-every needs --checkpoint");
  expect_usage_error({"--resume", "a", "--init-from", "b"}, "--resume and --init-from exclude each other");
  expect_usage_error({"--profile", "p.json", "--check-against", "interpreter"},
                     "--profile times a training run, and --check-against runs none");
  expect_usage_error({"--profile", ""}, "--profile: '' is not a file name");
  expect_usage_error({"--optimizer", "nesterov"}, "momentum must be > 0 for 'nesterov'");
}

TEST(TrainerOptions, ABatchAboveMaxBatchNamesBoth) {
  const Program& p = linreg();
  expect_usage_error({"--batch-size", std::to_string(p.max_batch + 1)},
                     cat("--batch-size ", p.max_batch + 1, " exceeds this trainer's max_batch of ", p.max_batch));
  EXPECT_EQ(parse_trainer_args(p, {"--batch-size", std::to_string(p.max_batch)}).batch_size, p.max_batch);
}

TEST(TrainerOptions, RunTrainerExitsWith2OnUsageErrorsAnd0OnHelp) {
  RunOutput bad = run(linreg(), {"--bogus"});
  EXPECT_EQ(bad.status, 2);
  EXPECT_EQ(bad.err, "train_linreg: unknown flag --bogus\n(train_linreg --help lists the flags)\n");
  EXPECT_TRUE(bad.out.empty());

  RunOutput help = run(linreg(), {"--help"});
  EXPECT_EQ(help.status, 0);
  EXPECT_TRUE(help.err.empty());
  EXPECT_NE(help.out.find("usage: train_linreg [flags]"), std::string::npos) << help.out;
  for (const char* flag : {"--data PATH", "--epochs N", "--batch-size B", "--lr X", "--optimizer NAME", "--momentum M",
                           "--weight-decay W", "--schedule NAME", "--clip-grad-norm X", "--seed S", "--device cpu|cuda",
                           "--threads N", "--val-split F", "--drop-last", "--augment", "--no-augment",
                           "--checkpoint FILE", "--checkpoint-every N", "--resume FILE", "--init-from FILE",
                           "--freeze PREFIX", "--metrics FILE", "--max-steps N", "--quiet", "--help"})
    EXPECT_NE(help.out.find(flag), std::string::npos) << flag;
  EXPECT_NE(help.out.find("base learning rate [1e-05]"), std::string::npos) << help.out;
}

TEST(TrainerOptions, CudaIsRefusedClearlyByACpuOnlyTrainer) {
  RunOutput r = run(linreg(), {"--device", "cuda"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("--device cuda: this trainer was built without CUDA kernels (use --device cpu, or rebuild it with graphc --target cpu,cuda)"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace graphc::runtime::trainer_testing
