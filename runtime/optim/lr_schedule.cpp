#include "runtime/optim/lr_schedule.h"

#include <array>
#include <cmath>
#include <numbers>

#include "ir/error.h"

namespace graphc::runtime {

namespace {

constexpr std::array kKinds{ScheduleKind::constant, ScheduleKind::step, ScheduleKind::cosine, ScheduleKind::onecycle};

// PyTorch's _annealing_cos: from `start` at pct 0 to `end` at pct 1.
double anneal_cos(double start, double end, double pct) {
  return end + (start - end) / 2.0 * (std::cos(std::numbers::pi * pct) + 1.0);
}

// OneCycleLR's two phases, as torch.optim.lr_scheduler computes them: the
// warm-up ends at step pct_start*total - 1 (a float), the annealing at
// total - 1, and each phase interpolates over (step - start) / (end - start).
double onecycle_lr(const LrSchedule& s, int64_t step, int64_t total_steps) {
  double max_lr = s.base_lr;
  double initial_lr = max_lr / s.div_factor;
  double min_lr = initial_lr / s.final_div_factor;
  double warmup_end = s.pct_start * static_cast<double>(total_steps) - 1.0;
  double last = static_cast<double>(total_steps) - 1.0;
  auto t = static_cast<double>(step);
  // PyTorch divides by zero when a phase is empty (very few steps); such a
  // phase is treated as already finished.
  auto progress = [](double at, double begin, double end) { return end > begin ? (at - begin) / (end - begin) : 1.0; };
  if (t <= warmup_end) return anneal_cos(initial_lr, max_lr, progress(t, 0.0, warmup_end));
  return anneal_cos(max_lr, min_lr, progress(t, warmup_end, last));
}

}  // namespace

std::string_view schedule_kind_name(ScheduleKind kind) {
  switch (kind) {
    case ScheduleKind::constant:
      return "constant";
    case ScheduleKind::step:
      return "step";
    case ScheduleKind::cosine:
      return "cosine";
    case ScheduleKind::onecycle:
      return "onecycle";
  }
  GRAPHC_ASSERT(false, "schedule kind ", static_cast<int>(kind), " out of range");
  return {};
}

ScheduleKind parse_schedule_kind(std::string_view name) {
  for (ScheduleKind kind : kKinds)
    if (schedule_kind_name(kind) == name) return kind;
  throw Error(cat("unknown learning-rate schedule '", name, "' (expected constant, step, cosine or onecycle)"));
}

void validate(const LrSchedule& s) {
  auto require = [](bool ok, std::string_view field, auto value, std::string_view rule) {
    if (!ok) throw Error(cat("schedule ", field, " must be ", rule, ", got ", value));
  };
  require(std::isfinite(s.base_lr) && s.base_lr >= 0, "base_lr", s.base_lr, "a finite number >= 0");
  if (s.kind == ScheduleKind::step) {
    require(s.step_size_epochs > 0, "step_size_epochs", s.step_size_epochs, "> 0");
    require(std::isfinite(s.gamma) && s.gamma > 0, "gamma", s.gamma, "a finite number > 0");
  }
  if (s.kind == ScheduleKind::onecycle) {
    require(s.pct_start > 0 && s.pct_start < 1, "pct_start", s.pct_start, "in (0, 1)");
    require(std::isfinite(s.div_factor) && s.div_factor > 0, "div_factor", s.div_factor, "a finite number > 0");
    require(std::isfinite(s.final_div_factor) && s.final_div_factor > 0, "final_div_factor", s.final_div_factor,
            "a finite number > 0");
  }
}

double LrSchedule::lr_at(int64_t step, int64_t total_steps, int64_t steps_per_epoch) const {
  GRAPHC_ASSERT(total_steps > 0 && steps_per_epoch > 0, "schedule over ", total_steps, " steps, ", steps_per_epoch,
                " per epoch");
  GRAPHC_ASSERT(step >= 0 && step <= total_steps, "step ", step, " outside a run of ", total_steps, " steps");
  switch (kind) {
    case ScheduleKind::constant:
      return base_lr;
    case ScheduleKind::step: {
      int64_t epoch = step / steps_per_epoch;
      return base_lr * std::pow(gamma, static_cast<double>(epoch / step_size_epochs));
    }
    case ScheduleKind::cosine:
      return anneal_cos(base_lr, 0.0, static_cast<double>(step) / static_cast<double>(total_steps));
    case ScheduleKind::onecycle:
      return onecycle_lr(*this, step, total_steps);
  }
  GRAPHC_ASSERT(false, "schedule kind ", static_cast<int>(kind), " out of range");
  return 0;
}

}  // namespace graphc::runtime
