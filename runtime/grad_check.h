// The gradient check users run from the CLI (`graphc --model M --check-grad`)
// and the tests run on every model: autodiff's gradient of every trainable
// parameter against central finite differences of the loss, both computed by
// the reference interpreter in f64 on a small random batch. It lives in the
// runtime because it executes graphs; it uses the passes to build what it
// checks (the standard pipeline: autodiff, then simplify), so a wrong
// gradient rule and a wrong simplification are both caught.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace graphc::runtime {

struct GradCheckOptions {
  int64_t batch = 2;
  uint64_t seed = 0;  // parameters, batch and the choice of checked elements
  // Parameters with more elements are checked on this many: the element with
  // the largest analytic gradient plus a random sample of the others.
  int64_t max_elements_per_parameter = 20;
  // If positive, only this many trainable parameters are checked, evenly
  // spaced in graph order and always including the first one (whose gradient
  // flows back through every layer, so it depends on every rule on the way)
  // and the last. Each check of an early parameter costs two evaluations of
  // nearly the whole network per element, which is what this bounds.
  int64_t max_parameters = 0;
  // Central difference step, relative to max(1, |w|).
  double step = 1e-6;
  // Largest accepted relative error (see ParameterCheck::worst_error). In
  // f64 a correct rule measures 1e-9 to 1e-6 here: the central difference's
  // truncation error is ~h^2 |L'''| and its rounding error ~1e-16 |L| / h,
  // both tiny against the derivative. A rule that is off by a factor or a
  // missing term measures 1e-2 or more. 1e-5 leaves a margin of ten on the
  // side of correct rules and a thousand on the side of wrong ones.
  double tolerance = 1e-5;
};

struct ParameterCheck {
  std::string name;
  int64_t numel = 0;
  bool sampled = true;          // false: left out by max_parameters
  int64_t checked = 0;          // elements compared
  // Elements left out because the loss is not smooth within the step there
  // (the step crosses a relu or max-pool kink): the one-sided differences
  // disagree by more than the analytic and central ones do.
  int64_t not_smooth = 0;
  // The largest relative error over the checked elements,
  //   |a - n| / max(|a| + |n|, floor)
  // with a the analytic and n the numeric derivative. It is symmetric in a
  // and n, at most 1, and scale-free; the floor, 1e-3 of the largest
  // gradient element of the model (GradCheckReport::error_floor), keeps
  // derivatives that are zero up to rounding from dividing noise by noise:
  // those are judged by their absolute error at the model's scale.
  double worst_error = 0;
  int64_t worst_element = -1;   // flat index
  double analytic = 0, numeric = 0;  // at worst_element
  bool passed = false;           // at least one element compared, all within tolerance
};

struct GradCheckReport {
  std::string graph_name;
  GradCheckOptions options;
  double loss = 0;
  double error_floor = 0;
  std::vector<ParameterCheck> parameters;  // every trainable parameter, in graph order (sampled or not)
  bool passed = false;
  // Failing parameters' names, comma separated ("" when all pass).
  std::string failures() const;
  // A table: one line per parameter with its worst error and verdict.
  std::string str() const;
};

// Throws graphc::Error when the graph cannot be checked (no loss output, a
// label input whose class count cannot be found, ...).
GradCheckReport check_gradients(const Graph& forward, const GradCheckOptions& options = {});

}  // namespace graphc::runtime
