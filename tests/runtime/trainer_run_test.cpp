// Whole runs through run_trainer: seed 001's linear regression fits its
// inline table, the metrics file holds what it should, a diverging run stops
// at the step where the loss became non-finite, and data that does not fit
// the program is refused before training.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "runtime/file_io.h"
#include "trainer_test_util.h"

namespace graphc::runtime::trainer_testing {
namespace {

using json = nlohmann::ordered_json;  // keys in the order written

std::vector<json> read_jsonl(const std::string& path) {
  std::vector<json> lines;
  std::string text = read_file(path);
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    EXPECT_NE(end, std::string::npos) << "the last line is not terminated";
    if (end == std::string::npos) break;
    lines.push_back(json::parse(text.substr(start, end - start)));
    start = end + 1;
  }
  return lines;
}

const Program& linreg() {
  static const Program p = zoo_program("linreg");
  return p;
}

TEST(TrainerRun, LinregFitsTheInlineCropTable) {
  TempDir dir;
  const std::string metrics = dir.file("linreg.jsonl");
  RunOutput r = run(linreg(), {"--metrics", metrics});  // the recipe: batch 11, sgd lr 1e-5, 100 epochs
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("linreg: 15 training samples from linreg's inline table"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nepoch 100 train_loss "), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("val_loss"), std::string::npos) << "no validation split, no val_loss";

  const std::vector<json> lines = read_jsonl(metrics);
  ASSERT_EQ(lines.size(), 101u);
  const double first = lines.front()["train_loss"], last = lines[99]["train_loss"];
  EXPECT_GT(first, 10 * last) << "first epoch " << first << ", last " << last;
  const double final_loss = lines.back()["final_train_loss"];
  EXPECT_LT(final_loss, first / 10);
  std::printf("linreg: epoch 1 train_loss %.2f, epoch 100 %.2f, final loss over the table %.2f\n", first, last,
              final_loss);
}

TEST(TrainerRun, MetricsFileHasOneLinePerEpochAndAFinalOne) {
  TempDir dir;
  write_tiny_mnist(dir.path().string(), 60, 30);
  const std::string metrics = dir.file("m.jsonl");
  RunOutput r = run(tiny_classifier_program(), {"--data", dir.path().string(), "--metrics", metrics, "--epochs", "6"});
  ASSERT_EQ(r.status, 0) << r.err;
  const std::vector<json> lines = read_jsonl(metrics);
  ASSERT_EQ(lines.size(), 7u);
  for (int e = 0; e < 6; ++e) {
    const json& l = lines[e];
    std::vector<std::string> keys;
    for (auto it = l.begin(); it != l.end(); ++it) keys.push_back(it.key());
    EXPECT_EQ(keys, (std::vector<std::string>{"epoch", "train_loss", "train_acc", "val_loss", "val_acc", "epoch_s",
                                              "samples_per_s"}));
    EXPECT_EQ(l["epoch"], e + 1);
    EXPECT_TRUE(l["val_acc"].is_number());
    EXPECT_GT(l["samples_per_s"].get<double>(), 0);
  }
  const json& final_line = lines.back();
  EXPECT_TRUE(final_line["test_loss"].is_number());
  const double test_acc = final_line["test_acc"];
  EXPECT_GE(test_acc, 0.9) << "three well separated classes";
  ASSERT_EQ(final_line["per_class_acc"].size(), 3u);
  EXPECT_EQ(final_line["class_names"], json({"0", "1", "2"}));
  // The printed epoch lines carry the same numbers.
  char expected[128];
  std::snprintf(expected, sizeof expected, "epoch 2 train_loss %.4f val_loss %.4f val_acc %.4f seconds ",
                lines[1]["train_loss"].get<double>(), lines[1]["val_loss"].get<double>(),
                lines[1]["val_acc"].get<double>());
  EXPECT_NE(r.out.find(expected), std::string::npos) << r.out;
}

TEST(TrainerRun, ADivergingRunStopsAtTheStepWithTheNonFiniteLoss) {
  TempDir dir;
  const std::string metrics = dir.file("m.jsonl");
  RunOutput r = run(linreg(), {"--lr", "1e30", "--metrics", metrics, "--quiet"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "train_linreg: loss is inf at step 2 (epoch 1); try a lower --lr or --clip-grad-norm\n");
  EXPECT_TRUE(r.out.empty()) << "--quiet prints errors only";
  EXPECT_EQ(read_file(metrics), "") << "no epoch finished";
}

TEST(TrainerRun, QuietPrintsNothingAndPlainOutputHasNoBar) {
  RunOutput quiet = run(linreg(), {"--epochs", "2", "--quiet"});
  EXPECT_EQ(quiet.status, 0) << quiet.err;
  EXPECT_TRUE(quiet.out.empty()) << quiet.out;
  RunOutput plain = run(linreg(), {"--epochs", "2"});
  EXPECT_EQ(plain.out.find('\r'), std::string::npos) << "not a terminal: no progress bar";
}

TEST(TrainerRun, DataOfAnotherShapeIsRefusedBeforeTraining) {
  TempDir dir;
  write_tiny_mnist(dir.path().string(), 12, 6);
  RunOutput r = run(linreg(), {"--data", dir.path().string()});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("samples are [1,2,2] but linreg takes 'x' f32[N,3]"), std::string::npos) << r.err;

  RunOutput missing = run(linreg(), {"--data", dir.file("nowhere.csv")});
  EXPECT_EQ(missing.status, 1);
  EXPECT_NE(missing.err.find("nowhere.csv does not exist"), std::string::npos) << missing.err;
}

TEST(TrainerRun, UnwritableOutputPathsStopTheRunBeforeTraining) {
  TempDir dir;
  RunOutput checkpoint = run(linreg(), {"--checkpoint", dir.file("missing") + "/c.safetensors"});
  EXPECT_EQ(checkpoint.status, 1);
  EXPECT_NE(checkpoint.err.find("--checkpoint " + dir.file("missing") + "/c.safetensors: directory " +
                                dir.file("missing") + " does not exist"),
            std::string::npos)
      << checkpoint.err;
  EXPECT_EQ(checkpoint.out.find("epoch 1"), std::string::npos);

  RunOutput metrics = run(linreg(), {"--metrics", dir.file("missing") + "/m.jsonl"});
  EXPECT_EQ(metrics.status, 1);
  EXPECT_NE(metrics.err.find("cannot write " + dir.file("missing") + "/m.jsonl"), std::string::npos) << metrics.err;
  EXPECT_EQ(metrics.out.find("epoch 1"), std::string::npos);
}

TEST(TrainerRun, ACsvFileReplacesTheInlineTable) {
  TempDir dir;
  const std::string csv = dir.file("t.csv");
  data::testing::write_bytes(csv, "a,b,c,y1,y2\n1,2,3,4,5\n2,3,4,5,6\n3,4,5,6,7\n");
  RunOutput r = run(linreg(), {"--data", csv, "--epochs", "1"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("linreg: 3 training samples from " + csv + " (CSV)"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace graphc::runtime::trainer_testing
