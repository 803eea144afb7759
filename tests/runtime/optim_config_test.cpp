// Parsing and checking optimizer and schedule settings: the names the
// command line accepts, and a message naming the bad field otherwise.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "ir/error.h"
#include "runtime/optim/lr_schedule.h"
#include "runtime/optim/optimizer.h"

namespace graphc::runtime {
namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(OptimConfig, ParsesEveryKindAndRejectsOthers) {
  for (std::string_view name : {"sgd", "momentum", "nesterov", "adam", "adamw"})
    EXPECT_EQ(optimizer_kind_name(parse_optimizer_kind(name)), name);
  EXPECT_EQ(error_of([] { parse_optimizer_kind("rmsprop"); }),
            "unknown optimizer 'rmsprop' (expected sgd, momentum, nesterov, adam or adamw)");
  EXPECT_EQ(error_of([] { parse_optimizer_kind("Adam"); }),
            "unknown optimizer 'Adam' (expected sgd, momentum, nesterov, adam or adamw)");
}

TEST(OptimConfig, RejectsOutOfRangeFieldsByName) {
  EXPECT_EQ(error_of([] { validate(OptimizerConfig{.lr = -1}); }), "optimizer lr must be a finite number >= 0, got -1");
  EXPECT_EQ(error_of([] { validate(OptimizerConfig{.lr = NAN}); }),
            "optimizer lr must be a finite number >= 0, got nan");
  EXPECT_EQ(error_of([] { validate(OptimizerConfig{.momentum = 1}); }), "optimizer momentum must be in [0, 1), got 1");
  EXPECT_EQ(error_of([] { validate(OptimizerConfig{.kind = OptimizerKind::nesterov}); }),
            "optimizer momentum must be > 0 for 'nesterov' (use 'sgd' for none), got 0");
  EXPECT_EQ(error_of([] { validate(OptimizerConfig{.weight_decay = -0.1}); }),
            "optimizer weight_decay must be a finite number >= 0, got -0.1");
  EXPECT_EQ(error_of([] { validate(OptimizerConfig{.kind = OptimizerKind::adam, .beta2 = 1.0}); }),
            "optimizer beta2 must be in [0, 1), got 1");
  EXPECT_EQ(error_of([] { validate(OptimizerConfig{.kind = OptimizerKind::adam, .eps = 0}); }),
            "optimizer eps must be a finite number > 0, got 0");
  // The constructor checks too, so no optimizer runs with a bad config.
  EXPECT_THROW(Optimizer(OptimizerConfig{.kind = OptimizerKind::momentum}, 3), Error);
  EXPECT_NO_THROW(validate(OptimizerConfig{.kind = OptimizerKind::adamw, .lr = 1e-3, .weight_decay = 0.01}));
}

TEST(ScheduleConfig, ParsesEveryKindAndRejectsOthers) {
  for (std::string_view name : {"constant", "step", "cosine", "onecycle"})
    EXPECT_EQ(schedule_kind_name(parse_schedule_kind(name)), name);
  EXPECT_EQ(error_of([] { parse_schedule_kind("linear"); }),
            "unknown learning-rate schedule 'linear' (expected constant, step, cosine or onecycle)");
}

TEST(ScheduleConfig, RejectsOutOfRangeFieldsByName) {
  EXPECT_EQ(error_of([] { validate(LrSchedule{.kind = ScheduleKind::step, .step_size_epochs = 0}); }),
            "schedule step_size_epochs must be > 0, got 0");
  EXPECT_EQ(error_of([] { validate(LrSchedule{.kind = ScheduleKind::step, .gamma = -2}); }),
            "schedule gamma must be a finite number > 0, got -2");
  EXPECT_EQ(error_of([] { validate(LrSchedule{.kind = ScheduleKind::onecycle, .pct_start = 1}); }),
            "schedule pct_start must be in (0, 1), got 1");
  EXPECT_EQ(error_of([] { validate(LrSchedule{.base_lr = INFINITY}); }),
            "schedule base_lr must be a finite number >= 0, got inf");
  EXPECT_NO_THROW(validate(LrSchedule{.kind = ScheduleKind::onecycle, .base_lr = 0.1}));
}

}  // namespace
}  // namespace graphc::runtime
