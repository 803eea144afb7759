// Evaluation and the final report: the confusion matrix on hand-made logits,
// and a whole evaluation run (--epochs 0) with weights chosen so that every
// prediction is known: classes 0 and 1 are always right, class 2 is always
// taken for class 1.
#include <gtest/gtest.h>

#include <cmath>

#include "runtime/checkpoint/safetensors.h"
#include "runtime/trainer/evaluation.h"
#include "runtime/trainer/results_report.h"
#include "trainer_test_util.h"

namespace graphc::runtime::trainer_testing {
namespace {

TEST(TrainerEvaluation, ConfusionMatrixCountsArgmaxPredictions) {
  ConfusionMatrix m(3);
  // Rows of 4 logits (the model predicts one class more than the data has).
  const std::vector<float> logits{
      5, 1, 1, 0,  // -> 0
      1, 1, 0, 0,  // tie between 0 and 1 -> 0, the first maximum
      0, 0, 9, 0,  // -> 2
      0, 0, 1, 3,  // -> 3, a class the data set lacks
  };
  m.add_batch(logits, std::vector<int32_t>{0, 1, 2, 0});
  EXPECT_EQ(m.count(0, 0), 1);
  EXPECT_EQ(m.count(1, 0), 1);
  EXPECT_EQ(m.count(2, 2), 1);
  EXPECT_EQ(m.count(0, 3), 1) << "predictions outside the classes count as 'other'";
  EXPECT_EQ(m.total(), 4);
  EXPECT_EQ(m.correct(), 2);
  EXPECT_EQ(m.samples_of(0), 2);
  const std::vector<double> acc = m.per_class_accuracy();
  EXPECT_EQ(acc[0], 0.5);
  EXPECT_EQ(acc[1], 0.0);
  EXPECT_EQ(acc[2], 1.0);

  ConfusionMatrix empty_class(2);
  empty_class.add(0, 0);
  EXPECT_TRUE(std::isnan(empty_class.per_class_accuracy()[1]));
}

TEST(TrainerEvaluation, ReportNamesClassesAndShowsTheOtherColumnOnlyWhenUsed) {
  ConfusionMatrix m(2);
  m.add(0, 0);
  m.add(0, 0);
  m.add(1, 0);
  m.add(1, 2);
  FinalMetrics f;
  f.loss = 0.5;
  f.accuracy = 0.5;
  f.class_names = {"cat", "dog"};
  EXPECT_EQ(format_final_report(f, &m),
            "test_loss 0.5000 test_acc 0.5000\n"
            "per-class accuracy:\n"
            "  0 cat  1.0000  (2/2)\n"
            "  1 dog  0.0000  (0/2)\n"
            "confusion matrix (rows: true class, columns: predicted class):\n"
            "            0     1 other\n"
            "  0 cat     2     0     0\n"
            "  1 dog     1     0     1\n");
  FinalMetrics regression;
  regression.on_test_set = false;
  regression.loss = 12.25;
  EXPECT_EQ(format_final_report(regression, nullptr), "no test set; over the training split: loss 12.2500\n");
}

TEST(TrainerEvaluation, EpochLineLeavesOutWhatTheRunDoesNotHave) {
  EpochMetrics m;
  m.epoch = 3;
  m.train_loss = 0.123456;
  m.epoch_s = 1.5;
  EXPECT_EQ(format_epoch_line(m), "epoch 3 train_loss 0.1235 seconds 1.50");
  m.val_loss = 0.2;
  m.val_acc = 0.95;
  EXPECT_EQ(format_epoch_line(m), "epoch 3 train_loss 0.1235 val_loss 0.2000 val_acc 0.9500 seconds 1.50");
}

TEST(TrainerEvaluation, EvaluatingChosenWeightsGivesTheKnownConfusionMatrix) {
  TempDir dir;
  write_tiny_mnist(dir.path().string(), 9, 30);  // test: 10 images of each class
  // logits = W x: class 0 reads pixel 0, class 1 reads pixels 1 and 2, class 2 reads pixel 2.
  const std::vector<float> w{1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 1, 0}, b{0, 0, 0};
  SafeTensors f;
  f.tensors.push_back(make_tensor<float>("fc.weight", {3, 4}, std::span<const float>(w)));
  f.tensors.push_back(make_tensor<float>("fc.bias", {3}, std::span<const float>(b)));
  const std::string weights = dir.file("w.safetensors");
  save_safetensors(weights, f);

  RunOutput r = run(tiny_linear_program(), {"--data", dir.path().string(), "--init-from", weights, "--epochs", "0"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("loaded 2 of 2 parameters from " + weights), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" test_acc 0.6667\n"
                       "per-class accuracy:\n"
                       "  0  1.0000  (10/10)\n"
                       "  1  1.0000  (10/10)\n"
                       "  2  0.0000  (0/10)\n"
                       "confusion matrix (rows: true class, columns: predicted class):\n"
                       "     0  1  2\n"
                       "  0 10  0  0\n"
                       "  1  0 10  0\n"
                       "  2  0 10  0\n"),
            std::string::npos)
      << r.out;
}

}  // namespace
}  // namespace graphc::runtime::trainer_testing
