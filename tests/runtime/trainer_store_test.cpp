// The parameter store's layout and the interpreter executor around it: what
// the optimizer sees, what --freeze takes out, and that one training step
// fills the gradients and writes batch norm's running statistics back.
#include <gtest/gtest.h>

#include <cmath>

#include "runtime/trainer/executor.h"
#include "runtime/trainer/parameter_store.h"
#include "runtime/trainer/training_loop.h"
#include "trainer_test_util.h"

namespace graphc::runtime::trainer_testing {
namespace {

const Program& tiny() {
  static const Program p = tiny_classifier_program();
  return p;
}

std::vector<std::string> names_with(const ParameterStore& s, ParameterUse use) {
  std::vector<std::string> names;
  for (const ParameterSlot& slot : s.slots())
    if (slot.use == use) names.push_back(slot.name);
  return names;
}

TEST(TrainerStore, UpdatedParametersComeFirstThenFrozenThenRunningStatistics) {
  const ParameterStore s(tiny().train, {"fc2"});
  EXPECT_EQ(names_with(s, ParameterUse::updated),
            (std::vector<std::string>{"fc1.weight", "fc1.bias", "bn.weight", "bn.bias"}));
  EXPECT_EQ(names_with(s, ParameterUse::frozen_at_run_time), (std::vector<std::string>{"fc2.weight", "fc2.bias"}));
  EXPECT_EQ(names_with(s, ParameterUse::not_trainable),
            (std::vector<std::string>{"bn.running_mean", "bn.running_var"}));
  // In order, each slot at the next multiple of 4 floats (16-byte accesses on the GPU).
  size_t offset = 0;
  for (const ParameterSlot& slot : s.slots()) {
    offset = (offset + 3) / 4 * 4;
    EXPECT_EQ(slot.offset, offset) << slot.name;
    offset += slot.numel;
  }
  EXPECT_EQ(s.values().size(), offset);
  EXPECT_EQ(s.updated_size(), 32u + 8 + 8 + 8);
  EXPECT_EQ(s.updated_count(), 32u + 8 + 8 + 8);
  EXPECT_EQ(s.gradients().size(), s.updated_size() + 24 + 3) << "frozen ones still receive gradients";
  // fc2.bias's 3 values leave a gap before the running mean: zeros, as in the gradients.
  const ParameterSlot& bias = *s.find("fc2.bias");
  EXPECT_EQ(s.find("bn.running_mean")->offset, bias.offset + 4);
  EXPECT_EQ(s.values()[bias.offset + 3], 0.0f);
}

TEST(TrainerStore, AFreezePrefixThatMatchesNothingIsAnError) {
  try {
    ParameterStore s(tiny().train, {"fc3"});
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "--freeze fc3: no trainable parameter of tiny_classifier starts with 'fc3'");
  }
}

TEST(TrainerStore, InitialValuesFollowTheInitSpecs) {
  ParameterStore s(tiny().train, {});
  s.initialize(tiny().train, 1);
  for (float v : s.value(*s.find("bn.running_var"))) EXPECT_EQ(v, 1.0f);
  for (float v : s.value(*s.find("bn.running_mean"))) EXPECT_EQ(v, 0.0f);
  const float bound = 1.0f / std::sqrt(4.0f);  // nn.Linear(4, 8): U(-1/sqrt(in), 1/sqrt(in))
  for (float v : s.value(*s.find("fc1.weight"))) EXPECT_LE(std::abs(v), bound);
}

TEST(TrainerStore, ATrainingStepFillsGradientsAndRunningStatistics) {
  ParameterStore s(tiny().train, {});
  s.initialize(tiny().train, 1);
  std::unique_ptr<Executor> executor = make_interpreter_executor(tiny(), s);
  data::Batch batch;
  batch.input_shape = Shape{3, 1, 2, 2};
  batch.inputs = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0};
  batch.labels = {0, 1, 2};
  batch.indices = {0, 1, 2};
  const StepResult r = executor->train_step(batch, step_seed(0, 0), s);
  EXPECT_NEAR(r.loss, std::log(3.0), 1.0);
  ASSERT_TRUE(r.correct.has_value());
  double gradient_norm = 0;
  for (float g : s.gradients()) gradient_norm += g * g;
  EXPECT_GT(gradient_norm, 0);
  bool mean_moved = false;
  for (float v : s.value(*s.find("bn.running_mean"))) mean_moved = mean_moved || v != 0.0f;
  EXPECT_TRUE(mean_moved) << "the state output was written back";

  std::vector<float> logits;
  const StepResult eval = executor->eval_step(batch, s, &logits);
  EXPECT_EQ(logits.size(), 9u);
  EXPECT_TRUE(std::isfinite(eval.loss));
}

TEST(TrainerStore, StepSeedsDifferPerStepAndFitInADouble) {
  EXPECT_NE(step_seed(0, 0), step_seed(0, 1));
  EXPECT_NE(step_seed(0, 0), step_seed(1, 0));
  EXPECT_EQ(step_seed(7, 3), step_seed(7, 3));
  for (int64_t step = 0; step < 100; ++step) EXPECT_LT(step_seed(123, step), uint64_t{1} << 53);
}

}  // namespace
}  // namespace graphc::runtime::trainer_testing
