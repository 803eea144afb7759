// The profile's bookkeeping and its two forms (the table a user reads at the
// end of a run, the JSON a script reads): pieces are made once per (graph,
// name), the optimizer's update counts with the training step, numbers are
// per step, and the table lists the largest pieces first.
#include <gtest/gtest.h>

#include "runtime/trainer/kernel_profile.h"

namespace graphc::runtime {
namespace {

KernelProfile two_steps() {
  KernelProfile p;
  p.set_executor("compiled kernels on cpu, 1 thread");
  const KernelProfile::Piece conv = p.piece("train", "train_k0", "conv2d add relu -> f32[N,6,28,28]");
  const KernelProfile::Piece pool = p.piece("train", "train_k1", "max_pool2d -> f32[N,6,14,14]");
  const KernelProfile::Piece update = p.piece("update", "optimizer", "the optimizer's step");
  const KernelProfile::Piece eval = p.piece("eval", "eval_k0", "conv2d add relu -> f32[N,6,28,28]");
  for (int step = 0; step < 2; ++step) {
    p.add(conv, 30e-6);
    p.add(pool, 5e-6);
    p.add(pool, 5e-6);  // a piece may run twice a step
    p.add(update, 20e-6);
    p.count_step("train");
  }
  p.add(eval, 1e-3);
  p.count_step("eval");
  p.add_train_wall(2 * 70e-6);
  return p;
}

TEST(KernelProfile, APieceIsMadeOncePerGraphAndName) {
  KernelProfile p;
  const KernelProfile::Piece a = p.piece("train", "k0", "first");
  EXPECT_EQ(p.piece("train", "k0", "other text"), a);
  EXPECT_NE(p.piece("eval", "k0", "first"), a);
  ASSERT_EQ(p.entries().size(), 2u);
  EXPECT_EQ(p.entries()[a].what, "first");
}

TEST(KernelProfile, TheUpdateCountsWithTheTrainingStep) {
  const KernelProfile p = two_steps();
  EXPECT_EQ(p.steps("train"), 2);
  EXPECT_EQ(p.steps("update"), 2);
  EXPECT_EQ(p.steps("eval"), 1);
  EXPECT_NEAR(p.seconds("train"), 2 * 40e-6, 1e-12);
  EXPECT_NEAR(p.seconds("update"), 2 * 20e-6, 1e-12);
}

TEST(KernelProfile, TheTableShowsPerStepNumbersLargestFirst) {
  const std::string table = two_steps().table();
  EXPECT_NE(table.find("profile of 2 training and 1 eval steps, compiled kernels on cpu, 1 thread"), std::string::npos)
      << table;
  // 30 + 10 + 20 us of pieces per training step, 70 us of wall time.
  EXPECT_NE(table.find("training step: 60.0 us timed, 70.0 us wall"), std::string::npos) << table;
  const size_t conv = table.find("train_k0"), update = table.find("update: optimizer"), pool = table.find("train_k1");
  ASSERT_NE(conv, std::string::npos) << table;
  EXPECT_LT(conv, update) << table;
  EXPECT_LT(update, pool) << table;
  // train_k1: 16.7% of the step, 10 us per step in 2 calls of 5 us.
  const std::string pool_line = table.substr(table.rfind('\n', pool) + 1, table.find('\n', pool) - table.rfind('\n', pool) - 1);
  EXPECT_NE(pool_line.find("16.7%"), std::string::npos) << pool_line;
  EXPECT_NE(pool_line.find("10.0"), std::string::npos) << pool_line;
  EXPECT_NE(pool_line.find("2.00"), std::string::npos) << pool_line;
  EXPECT_NE(pool_line.find("max_pool2d -> f32[N,6,14,14]"), std::string::npos) << pool_line;
  EXPECT_NE(table.find("eval step: 1000.0 us timed"), std::string::npos) << table;
}

TEST(KernelProfile, PiecesBeyondTheRowsAreSummedInOneLine) {
  const std::string table = two_steps().table(1);
  EXPECT_NE(table.find("train_k0"), std::string::npos) << table;
  EXPECT_EQ(table.find("train_k1"), std::string::npos) << table;
  EXPECT_NE(table.find("50.0%      30.0  (2 more)"), std::string::npos) << table;
}

TEST(KernelProfile, TheJsonHasEveryPieceWithItsTotals) {
  const nlohmann::json j = two_steps().to_json();
  EXPECT_EQ(j.at("executor"), "compiled kernels on cpu, 1 thread");
  EXPECT_EQ(j.at("train_steps"), 2);
  EXPECT_EQ(j.at("eval_steps"), 1);
  EXPECT_NEAR(j.at("train_wall_s").get<double>(), 140e-6, 1e-12);
  ASSERT_EQ(j.at("pieces").size(), 4u);
  const nlohmann::json& pool = j.at("pieces")[1];
  EXPECT_EQ(pool.at("graph"), "train");
  EXPECT_EQ(pool.at("name"), "train_k1");
  EXPECT_EQ(pool.at("calls"), 4);
  EXPECT_NEAR(pool.at("seconds").get<double>(), 20e-6, 1e-12);
  EXPECT_EQ(pool.at("what"), "max_pool2d -> f32[N,6,14,14]");
}

TEST(KernelProfile, AnEmptyProfileSaysSo) {
  KernelProfile p;
  p.set_executor("x");
  EXPECT_EQ(p.table(), "profile of 0 training and 0 eval steps, x\n");
}

}  // namespace
}  // namespace graphc::runtime
