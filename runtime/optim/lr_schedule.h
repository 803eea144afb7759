// Learning-rate schedules as a pure function of the step, so a resumed run
// gets the same rate at every step as an uninterrupted one without saving any
// scheduler state. Each matches the PyTorch scheduler named below when that
// scheduler is stepped after every batch (cosine, onecycle) or after every
// epoch (step).
#pragma once

#include <cstdint>
#include <string_view>

namespace graphc::runtime {

enum class ScheduleKind {
  constant,  // base_lr throughout
  step,      // StepLR: base_lr * gamma^(epoch / step_size_epochs)
  cosine,    // CosineAnnealingLR(T_max = total_steps, eta_min = 0)
  onecycle,  // OneCycleLR(max_lr = base_lr, total_steps), cosine annealing
};

std::string_view schedule_kind_name(ScheduleKind kind);
// "constant|step|cosine|onecycle"; anything else is a graphc::Error.
ScheduleKind parse_schedule_kind(std::string_view name);

struct LrSchedule {
  ScheduleKind kind = ScheduleKind::constant;
  double base_lr = 0.01;          // onecycle: the peak (max_lr)
  int64_t step_size_epochs = 30;  // step: epochs between decays
  double gamma = 0.1;             // step: decay factor
  // onecycle, with PyTorch's defaults. Momentum is not cycled.
  double pct_start = 0.3;         // share of the steps spent warming up
  double div_factor = 25;         // initial lr = max_lr / div_factor
  double final_div_factor = 1e4;  // final lr = initial lr / final_div_factor

  // The rate for the step with 0-based index `step` of a run of
  // `total_steps` steps, `steps_per_epoch` per epoch. `step` may equal
  // total_steps (the value after the last step, as PyTorch allows).
  double lr_at(int64_t step, int64_t total_steps, int64_t steps_per_epoch) const;
};

// Throws graphc::Error naming the field that is out of range.
void validate(const LrSchedule& schedule);

}  // namespace graphc::runtime
