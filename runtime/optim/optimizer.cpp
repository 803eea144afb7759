#include "runtime/optim/optimizer.h"

#include "ir/error.h"
#include "runtime/optim/update_rules.h"

namespace graphc::runtime {

namespace {

std::vector<std::string> state_names_of(const OptimizerConfig& config) {
  switch (config.kind) {
    case OptimizerKind::sgd:
      if (config.momentum == 0) return {};
      return {"momentum_buffer"};
    case OptimizerKind::momentum:
    case OptimizerKind::nesterov:
      return {"momentum_buffer"};
    case OptimizerKind::adam:
    case OptimizerKind::adamw:
      return {"exp_avg", "exp_avg_sq"};
  }
  GRAPHC_ASSERT(false, "optimizer kind ", static_cast<int>(config.kind), " out of range");
  return {};
}

}  // namespace

Optimizer::Optimizer(OptimizerConfig config, size_t num_params) : config_(config), size_(num_params) {
  validate(config_);
  for (std::string& name : state_names_of(config_))
    state_.emplace_back(std::move(name), std::vector<float>(size_, 0.0f));
}

void Optimizer::step(std::span<float> params, std::span<const float> grads, double lr) {
  GRAPHC_ASSERT(params.size() == size_, "optimizer built for ", size_, " parameters, stepped with ", params.size());
  apply_update(next_step(lr), params, grads, state_buffer(0), state_buffer(1));
}

graphc_update_scalars Optimizer::next_step(double lr) {
  ++step_count_;
  return update_scalars(config_, lr, step_count_);
}

std::span<float> Optimizer::state_buffer(size_t i) {
  if (i >= state_.size()) return {};
  return state_[i].second;
}

void Optimizer::set_step_count(int64_t steps) {
  if (steps < 0) throw Error(cat("optimizer step count must be >= 0, got ", steps));
  step_count_ = steps;
}

std::vector<std::string> Optimizer::state_names() const { return state_names_of(config_); }

size_t Optimizer::state_index(std::string_view name) const {
  for (size_t i = 0; i < state_.size(); ++i)
    if (state_[i].first == name) return i;
  throw Error(cat("optimizer '", optimizer_kind_name(config_.kind), "' has no state named '", name, "'"));
}

std::span<float> Optimizer::state(std::string_view name) { return state_[state_index(name)].second; }

std::span<const float> Optimizer::state(std::string_view name) const { return state_[state_index(name)].second; }

}  // namespace graphc::runtime
