// An optimizer over one flat f32 parameter buffer: it owns the state that
// the chosen rule needs (zero-initialised, one buffer per kind of state,
// named as torch.optim names it in a state_dict) and counts steps, so that a
// checkpoint can save and restore exactly what the next step depends on.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/optim/optimizer_config.h"
#include "runtime/optim/update_math.h"

namespace graphc::runtime {

class Optimizer {
 public:
  // Validates the config (graphc::Error naming the bad field).
  Optimizer(OptimizerConfig config, size_t num_params);

  const OptimizerConfig& config() const { return config_; }
  size_t size() const { return size_; }

  // One update of every parameter with the given learning rate (the
  // schedule's value for this step; config().lr is only its base).
  void step(std::span<float> params, std::span<const float> grads, double lr);

  // Counts an update and returns its scalars, for an executor that runs the
  // update elsewhere (the CUDA executor's kernel) over its own copy of the
  // parameters and of state_buffer(0..1).
  graphc_update_scalars next_step(double lr);

  // Updates done so far; Adam's bias correction uses it.
  int64_t step_count() const { return step_count_; }
  void set_step_count(int64_t steps);  // when restoring a checkpoint

  // The state buffers of this config, in a fixed order: "momentum_buffer"
  // for momentum, nesterov and sgd with momentum > 0, "exp_avg" and
  // "exp_avg_sq" for adam and adamw, none for plain sgd. state() throws
  // graphc::Error for any other name.
  std::vector<std::string> state_names() const;
  std::span<float> state(std::string_view name);
  std::span<const float> state(std::string_view name) const;
  // The state buffers by position (state_names() order); empty past the end.
  std::span<float> state_buffer(size_t i);

 private:
  size_t state_index(std::string_view name) const;

  OptimizerConfig config_;
  size_t size_;
  int64_t step_count_ = 0;
  std::vector<std::pair<std::string, std::vector<float>>> state_;
};

}  // namespace graphc::runtime
