// Learning-rate schedules at their characteristic points, with the expected
// values worked out from the PyTorch schedulers' formulas.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "runtime/optim/lr_schedule.h"

namespace graphc::runtime {
namespace {

TEST(LrSchedule, ConstantIsTheBaseRate) {
  LrSchedule s{.kind = ScheduleKind::constant, .base_lr = 0.03};
  for (int64_t step : {0, 17, 99, 100}) EXPECT_EQ(s.lr_at(step, 100, 10), 0.03);
}

TEST(LrSchedule, StepDecaysAtEpochBoundaries) {
  // 10 steps per epoch, decay by 0.5 every 2 epochs.
  LrSchedule s{.kind = ScheduleKind::step, .base_lr = 0.1, .step_size_epochs = 2, .gamma = 0.5};
  EXPECT_DOUBLE_EQ(s.lr_at(0, 60, 10), 0.1);
  EXPECT_DOUBLE_EQ(s.lr_at(19, 60, 10), 0.1);   // last step of epoch 1
  EXPECT_DOUBLE_EQ(s.lr_at(20, 60, 10), 0.05);  // first step of epoch 2
  EXPECT_DOUBLE_EQ(s.lr_at(39, 60, 10), 0.05);
  EXPECT_DOUBLE_EQ(s.lr_at(40, 60, 10), 0.025);
  EXPECT_DOUBLE_EQ(s.lr_at(59, 60, 10), 0.025);
}

TEST(LrSchedule, CosineGoesFromBaseToZero) {
  LrSchedule s{.kind = ScheduleKind::cosine, .base_lr = 0.1};
  EXPECT_DOUBLE_EQ(s.lr_at(0, 100, 10), 0.1);
  // (1 + cos(pi/4)) / 2 * 0.1
  EXPECT_NEAR(s.lr_at(25, 100, 10), 0.0853553390593274, 1e-15);
  EXPECT_NEAR(s.lr_at(50, 100, 10), 0.05, 1e-15);
  EXPECT_NEAR(s.lr_at(100, 100, 10), 0.0, 1e-15);
  // Steps, not epochs: the rate changes within an epoch.
  EXPECT_GT(s.lr_at(1, 100, 10), s.lr_at(2, 100, 10));
}

TEST(LrSchedule, OneCycleWarmsUpThenAnneals) {
  // OneCycleLR(max_lr=0.1, total_steps=100): initial 0.1/25 = 0.004, peak at
  // step 0.3*100 - 1 = 29, final 0.004/1e4 = 4e-7 at step 99.
  LrSchedule s{.kind = ScheduleKind::onecycle, .base_lr = 0.1};
  EXPECT_NEAR(s.lr_at(0, 100, 10), 0.004, 1e-15);
  EXPECT_NEAR(s.lr_at(29, 100, 10), 0.1, 1e-15);
  EXPECT_NEAR(s.lr_at(99, 100, 10), 4e-7, 1e-15);
  // Halfway through the warm-up (pct 14/29) and the annealing (pct 35/70).
  double warm = 0.1 + (0.004 - 0.1) / 2 * (std::cos(std::numbers::pi * 14.0 / 29.0) + 1);
  EXPECT_NEAR(s.lr_at(14, 100, 10), warm, 1e-15);
  EXPECT_NEAR(s.lr_at(64, 100, 10), (0.1 + 4e-7) / 2, 1e-15);
  EXPECT_LT(s.lr_at(28, 100, 10), 0.1);
  EXPECT_LT(s.lr_at(30, 100, 10), 0.1);
}

TEST(LrSchedule, OneCycleWithAnEmptyWarmUpStartsAtThePeak) {
  // pct_start*total - 1 = 0: PyTorch would divide by zero at step 0.
  LrSchedule s{.kind = ScheduleKind::onecycle, .base_lr = 0.1, .pct_start = 0.5};
  EXPECT_NEAR(s.lr_at(0, 2, 1), 0.1, 1e-15);
  EXPECT_NEAR(s.lr_at(1, 2, 1), 0.1 / 25 / 1e4, 1e-15);
}

}  // namespace
}  // namespace graphc::runtime
