// The defaults of Executor's run-time protocol (executor.h): the parameters
// stay in the store, and the optimizer updates them on the host.
#include "runtime/trainer/executor.h"

#include <cmath>
#include <utility>

#include "runtime/optim/grad_clip.h"

namespace graphc::runtime {

void Executor::adopt(const ParameterStore&, Optimizer&) {}

std::optional<double> Executor::update(Optimizer& optimizer, double lr, double max_norm, ParameterStore& store) {
  std::optional<double> norm;
  if (max_norm > 0) {
    norm = clip_grad_norm(store.updated_gradients(), max_norm);
    if (!std::isfinite(*norm)) return norm;
  }
  optimizer.step(store.updated_values(), store.updated_gradients(), lr);
  return norm;
}

void Executor::gather(ParameterStore&, Optimizer&) {}

bool Executor::hold_data(const data::Dataset&) { return false; }

int Executor::queue_depth() const { return 1; }

void Executor::queue_train_step(const data::Batch& batch, uint64_t seed, ParameterStore& store) {
  finished_.push_back(train_step(batch, seed, store));
}

std::vector<StepResult> Executor::finished_steps() { return std::exchange(finished_, {}); }

}  // namespace graphc::runtime
