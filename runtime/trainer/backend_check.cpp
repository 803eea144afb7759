// See backend_check.h.
#include "runtime/trainer/backend_check.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <span>

#include "runtime/data/sampler.h"
#include "runtime/trainer/parameter_store.h"
#include "runtime/trainer/training_data.h"
#include "runtime/trainer/training_loop.h"

namespace graphc::runtime {

namespace {

// The smallest scale a tensor is measured against: gradients of early layers
// can be tiny sums of cancelling terms whose rounding follows the terms, not
// the sum (the unit tests' rule: 1e-4 of the scale plus 1e-6 absolute).
constexpr double kMinScale = 1e-2;

struct Comparison {
  double error = 0;  // largest |checked - reference|
  double scale = 0;  // largest |reference|, at least kMinScale
  bool finite = true;
};

Comparison compare(std::span<const float> checked, std::span<const float> reference) {
  Comparison c;
  c.scale = kMinScale;
  for (size_t i = 0; i < reference.size(); ++i) {
    if (!std::isfinite(checked[i]) || !std::isfinite(reference[i])) c.finite = false;
    c.error = std::max(c.error, std::fabs(static_cast<double>(checked[i]) - reference[i]));
    c.scale = std::max(c.scale, std::fabs(static_cast<double>(reference[i])));
  }
  return c;
}

class Report {
 public:
  Report(std::ostream& out, double tolerance) : out_(out), tolerance_(tolerance) {}

  void tensor(const std::string& what, std::span<const float> checked, std::span<const float> reference) {
    const Comparison c = compare(checked, reference);
    const bool ok = c.finite && c.error <= tolerance_ * c.scale;
    line(what, ok, cat(fmt(c.error), " of scale ", fmt(c.scale), c.finite ? "" : ", not finite"));
  }

  void scalar(const std::string& what, double checked, double reference) {
    const float a = static_cast<float>(checked), b = static_cast<float>(reference);
    tensor(what, std::span<const float>(&a, 1), std::span<const float>(&b, 1));
  }

  void count(const std::string& what, double checked, double reference) {
    line(what, std::fabs(checked - reference) <= 1, cat(checked, " against ", reference));
  }

  bool passed() const { return failures_ == 0; }
  int failures() const { return failures_; }
  int compared() const { return compared_; }

 private:
  static std::string fmt(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3g", v);
    return buf;
  }
  void line(const std::string& what, bool ok, const std::string& detail) {
    ++compared_;
    if (!ok) ++failures_;
    out_ << "  " << (ok ? "ok   " : "FAIL ") << what << ": " << detail << "\n";
  }

  std::ostream& out_;
  double tolerance_;
  int failures_ = 0, compared_ = 0;
};

}  // namespace

bool check_backend(const Program& program, const TrainerOptions& options, std::ostream& out, const LinkedCode& code) {
  const TrainingData data = load_training_data(program, options);
  ParameterStore initial(program.train, options.freeze);
  initial.initialize(program.train, options.seed);
  ExecutorOptions reference_options = executor_options(options);
  reference_options.device = options.check_against;
  std::unique_ptr<Executor> checked = make_executor(program, initial, executor_options(options), code);
  std::unique_ptr<Executor> reference = make_executor(program, initial, reference_options, code);

  data::SamplerOptions sampling;
  sampling.batch_size = options.batch_size;
  sampling.seed = options.seed;
  data::BatchSampler sampler(data.train_indices, sampling);
  sampler.start_epoch(0);
  data::BatchStream stream(data.train, std::move(sampler), data.train_batches);
  const std::optional<data::Batch> batch = stream.next();
  if (!batch) throw Error("--check-against: the training set gives no batch");

  out << program.model << ": " << checked->name() << " against " << reference->name()
      << ", one training and one eval step on the first training batch (" << batch->size()
      << " samples), tolerance " << check_tolerance_for(options) << " of each tensor's scale\n";
  Report report(out, check_tolerance_for(options));

  ParameterStore a = initial, b = initial;
  const uint64_t seed = step_seed(options.seed, 0);
  const StepResult ra = checked->train_step(*batch, seed, a);
  const StepResult rb = reference->train_step(*batch, seed, b);
  report.scalar("train loss", ra.loss, rb.loss);
  if (ra.correct && rb.correct) report.count("train correct", *ra.correct, *rb.correct);
  for (const ParameterSlot& slot : initial.slots()) {
    if (slot.has_gradient()) report.tensor("gradient " + slot.name, a.gradient(slot), b.gradient(slot));
    const auto before = initial.value(slot);
    if (!std::equal(before.begin(), before.end(), b.value(slot).begin()) ||
        !std::equal(before.begin(), before.end(), a.value(slot).begin()))
      report.tensor("state " + slot.name, a.value(slot), b.value(slot));
  }

  const bool has_logits = program.eval.find_output("logits") != nullptr;
  std::vector<float> la, lb;
  const StepResult ea = checked->eval_step(*batch, initial, has_logits ? &la : nullptr);
  const StepResult eb = reference->eval_step(*batch, initial, has_logits ? &lb : nullptr);
  report.scalar("eval loss", ea.loss, eb.loss);
  if (ea.correct && eb.correct) report.count("eval correct", *ea.correct, *eb.correct);
  if (has_logits) report.tensor("eval logits", la, lb);

  out << (report.passed() ? "check passed: " : "check FAILED: ") << report.compared() - report.failures() << " of "
      << report.compared() << " outputs agree\n";
  return report.passed();
}

}  // namespace graphc::runtime
