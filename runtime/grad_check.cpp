// How the check works, and why it is fast enough for ResNet-18:
//  * The model is promoted to f64 and sent through the standard pipeline;
//    one run of the training graph gives every analytic gradient.
//  * A numeric derivative needs the loss at w+h and w-h for one element.
//    Only the values downstream of that parameter change, so the loss is
//    re-evaluated on the parameter's cone alone: a small graph whose other
//    operands are fed, as inputs, the values a single full forward run
//    computed. Perturbing the last layer of ResNet-18 then costs almost
//    nothing, and only the stem pays for the whole network.
//  * The dropout seed is the same in every evaluation, so masks are fixed.
//    Random inputs keep relu and max-pool kinks away from most elements, but
//    a step can still cross one where a parameter moves many activations at
//    once (a bias shifts a whole channel); such elements are recognised by
//    their one-sided differences and replaced by others.
#include "runtime/grad_check.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>

#include "passes/pass_manager.h"
#include "passes/promote_precision.h"
#include "runtime/interpreter.h"

namespace graphc::runtime {

namespace {

// Uniform doubles from a generator whose sequence the C++ standard fixes.
class Random {
 public:
  explicit Random(uint64_t seed) : engine_(seed) {}
  double uniform(double lo, double hi) { return lo + (hi - lo) * static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  int64_t below(int64_t n) { return static_cast<int64_t>(engine_() % static_cast<uint64_t>(n)); }

 private:
  std::mt19937_64 engine_;
};

// The number of classes of a classifier: the last dimension of its logits.
std::optional<int64_t> class_count(const Graph& g) {
  for (const Output& o : g.outputs())
    if (o.role == OutputRole::prediction && g.type(o.value).shape.rank() >= 1) {
      const Shape& s = g.type(o.value).shape;
      return s[s.rank() - 1];
    }
  return std::nullopt;
}

// A random batch: float data in [-1, 1], integer labels in [0, classes),
// float labels (regression targets) in [-1, 1], state in [0.5, 1.5] (it may
// be a variance), and a fixed seed.
TensorMap random_batch(const Graph& g, int64_t batch, Random& rng) {
  TensorMap feeds;
  for (ValueId v : g.inputs()) {
    const Node& n = g.node(v);
    const std::string& name = n.s("name");
    HostTensor t(n.type.dtype, n.type.shape.with_batch(batch));
    InputRole role = *parse_input_role(n.s("role"));
    if (role == InputRole::seed) {
      t.data[0] = static_cast<double>(rng.below(1 << 30));
    } else if (!is_float(n.type.dtype)) {
      std::optional<int64_t> classes = class_count(g);
      if (!classes)
        throw Error(cat("input '", name, "' holds integers but the graph has no prediction output whose last "
                        "dimension gives the number of classes"));
      for (double& x : t.data) x = static_cast<double>(rng.below(*classes));
    } else {
      double lo = role == InputRole::state ? 0.5 : -1.0, hi = role == InputRole::state ? 1.5 : 1.0;
      for (double& x : t.data) x = rng.uniform(lo, hi);
    }
    feeds[name] = std::move(t);
  }
  return feeds;
}

ValueId loss_value(const Graph& g) {
  for (const Output& o : g.outputs())
    if (o.role == OutputRole::loss) return o.value;
  throw Error(cat("graph ", g.name(), " has no loss output to check gradients of"));
}

// The loss as a function of one parameter, evaluated on the parameter's cone
// (see the top of the file). `bound` is the forward graph with N bound and
// `values` every node's value at the unperturbed point.
class ConeLoss {
 public:
  ConeLoss(const Graph& bound, const std::vector<HostTensor>& values, ValueId param) : cone_(bound.name() + ".cone") {
    ValueId loss = loss_value(bound);
    std::vector<bool> downstream(bound.size(), false);
    downstream[param] = true;
    for (ValueId v = param + 1; v <= loss; ++v)
      for (ValueId o : bound.node(v).operands) downstream[v] = downstream[v] || downstream[o];
    std::vector<ValueId> map(bound.size(), -1);
    auto fed = [&](ValueId o) {  // computed once, upstream of the parameter
      if (map[o] < 0) {
        std::string name = cat("%", o);
        map[o] = cone_.add_input(name, bound.type(o), InputRole::data);
        fixed_[name] = values[o];
      }
      return map[o];
    };
    const Node& p = bound.node(param);
    map[param] = cone_.add_parameter(p.s("name"), p.type.shape, bound.init_of(param), true, p.type.dtype);
    for (ValueId v = param + 1; v <= loss; ++v) {
      if (!downstream[v]) continue;
      const Node& n = bound.node(v);
      std::vector<ValueId> operands;
      for (ValueId o : n.operands) operands.push_back(downstream[o] ? map[o] : fed(o));
      map[v] = cone_.add(n.op, operands, n.attrs);
    }
    // A loss that does not depend on the parameter is a constant: fed.
    cone_.add_output("loss", downstream[loss] ? map[loss] : fed(loss), OutputRole::loss);
    name_ = bound.node(param).s("name");
  }

  double operator()(const HostTensor& param_value) {
    fixed_[name_] = param_value;
    return interpret(cone_, fixed_).at("loss").data[0];
  }

 private:
  Graph cone_;
  TensorMap fixed_;
  std::string name_;
};

// Candidate elements in the order they are tried: all of a small parameter;
// otherwise the one with the largest analytic gradient, then the others in
// random order (enough of them to replace elements where the loss is not
// smooth).
std::vector<int64_t> candidate_elements(const HostTensor& grad, int64_t limit, Random& rng) {
  int64_t count = grad.numel();
  std::vector<int64_t> order;
  if (count <= limit) {
    for (int64_t i = 0; i < count; ++i) order.push_back(i);
    return order;
  }
  auto largest = std::max_element(grad.data.begin(), grad.data.end(),
                                  [](double a, double b) { return std::fabs(a) < std::fabs(b); });
  order.push_back(largest - grad.data.begin());
  int64_t wanted = std::min(count, 3 * limit);
  while (static_cast<int64_t>(order.size()) < wanted) {
    int64_t i = rng.below(count);
    if (std::find(order.begin(), order.end(), i) == order.end()) order.push_back(i);
  }
  return order;
}

// Which trainable parameters to check: all, or `limit` evenly spaced ones
// including the first and the last.
std::vector<bool> parameters_to_check(size_t count, int64_t limit) {
  std::vector<bool> chosen(count, limit <= 0 || static_cast<size_t>(limit) >= count);
  if (chosen.empty() || chosen[0]) return chosen;
  for (int64_t k = 0; k < limit; ++k) {
    size_t at = limit == 1 ? 0 : static_cast<size_t>(k * static_cast<int64_t>(count - 1) / (limit - 1));
    chosen[at] = true;
  }
  return chosen;
}

// The relative error of a derivative, with `floor` standing in for a
// derivative that is zero up to the noise of finite differences.
double relative_error(double analytic, double numeric, double floor) {
  return std::fabs(analytic - numeric) / std::max(std::fabs(analytic) + std::fabs(numeric), floor);
}

// Compares one parameter's analytic gradient with finite differences.
ParameterCheck check_parameter(const std::string& name, const HostTensor& grad, HostTensor w, ConeLoss& loss_of,
                               const GradCheckOptions& o, double floor, Random& rng) {
  ParameterCheck check{name, grad.numel()};
  const double base = loss_of(w);
  for (int64_t i : candidate_elements(grad, o.max_elements_per_parameter, rng)) {
    if (check.checked == o.max_elements_per_parameter) break;
    const double w0 = w.data[i], h = o.step * std::max(1.0, std::fabs(w0));
    w.data[i] = w0 + h;
    const double up = loss_of(w);
    w.data[i] = w0 - h;
    const double down = loss_of(w);
    w.data[i] = w0;
    const double analytic = grad.data[i], numeric = (up - down) / (2 * h);
    const double error = relative_error(analytic, numeric, floor);
    // At a kink inside [w-h, w+h] the one-sided slopes differ by about twice
    // the central difference's error; for a smooth loss they differ by only
    // h * |L''|, far less than a wrong rule's error.
    const double one_sided_gap = std::fabs((up - base) / h - (base - down) / h);
    if (error > o.tolerance && one_sided_gap >= std::fabs(analytic - numeric)) {
      ++check.not_smooth;
      continue;
    }
    ++check.checked;
    if (check.checked == 1 || error > check.worst_error) {
      check.worst_error = error;
      check.worst_element = i;
      check.analytic = analytic;
      check.numeric = numeric;
    }
  }
  check.passed = check.checked > 0 && check.worst_error <= o.tolerance;
  return check;
}

}  // namespace

std::string GradCheckReport::failures() const {
  std::string s;
  for (const auto& p : parameters) {
    if (p.passed || !p.sampled) continue;
    if (!s.empty()) s += ", ";
    s += p.name;
  }
  return s;
}

std::string GradCheckReport::str() const {
  std::string s = cat("gradient check of ", graph_name, ": batch ", options.batch, ", f64, step ", options.step,
                      " x max(1,|w|), tolerance ", options.tolerance, ", error floor ", error_floor, ", loss ", loss,
                      "\n");
  char line[256];
  std::snprintf(line, sizeof line, "  %-28s %9s %8s %6s %12s %14s %14s  %s\n", "parameter", "elements", "checked",
                "kinks", "worst error", "analytic", "numeric", "verdict");
  s += line;
  size_t sampled = 0;
  for (const auto& p : parameters) {
    if (!p.sampled) {
      std::snprintf(line, sizeof line, "  %-28s %9lld %8s %6s %12s %14s %14s  %s\n", p.name.c_str(),
                    static_cast<long long>(p.numel), "-", "-", "-", "-", "-", "not sampled");
      s += line;
      continue;
    }
    ++sampled;
    std::snprintf(line, sizeof line, "  %-28s %9lld %8lld %6lld %12.3e %14.6e %14.6e  %s\n", p.name.c_str(),
                  static_cast<long long>(p.numel), static_cast<long long>(p.checked),
                  static_cast<long long>(p.not_smooth), p.worst_error, p.analytic, p.numeric, p.passed ? "ok" : "FAIL");
    s += line;
  }
  if (passed)
    s += cat("passed: ", sampled, " of ", parameters.size(), " parameters checked\n");
  else
    s += cat("FAILED: ", failures(), "\n");
  return s;
}

GradCheckReport check_gradients(const Graph& forward_f32, const GradCheckOptions& options) {
  if (options.batch < 1) throw Error(cat("gradient check: batch must be at least 1, got ", options.batch));
  if (options.max_elements_per_parameter < 1)
    throw Error(cat("gradient check: elements per parameter must be at least 1, got ",
                    options.max_elements_per_parameter));
  GradCheckReport report;
  report.graph_name = forward_f32.name();
  report.options = options;

  const Graph forward = passes::promote_to_f64(forward_f32);
  Graph training = forward;
  passes::PassManagerOptions pm_options;
  pm_options.verify = true;
  passes::standard_pass_manager(pm_options).run(training);

  Random rng(options.seed);
  TensorMap feeds = random_batch(forward, options.batch, rng);
  for (auto& [name, value] : init_parameters(forward, options.seed)) feeds[name] = std::move(value);
  const TensorMap analytic = interpret(training, feeds);
  const std::vector<HostTensor> values = interpret_all(forward, feeds);
  const Graph bound = forward.with_batch(options.batch);  // the cones' static shapes
  report.loss = values[loss_value(bound)].data[0];

  std::vector<ValueId> trainable;
  double largest_gradient = 0;
  for (ValueId p : forward.parameters()) {
    if (!forward.node(p).b("trainable")) continue;
    trainable.push_back(p);
    for (double g : analytic.at(forward.node(p).s("name")).data) largest_gradient = std::max(largest_gradient, std::fabs(g));
  }
  // Finite differences carry absolute noise (rounding of the loss divided by
  // the step, ~1e-10 here), so derivatives far below the model's largest are
  // judged against 1e-3 of it rather than against themselves.
  report.error_floor = std::max(1e-3 * largest_gradient, 1e-12);

  std::vector<bool> chosen = parameters_to_check(trainable.size(), options.max_parameters);
  report.passed = true;
  for (size_t k = 0; k < trainable.size(); ++k) {
    const std::string& name = forward.node(trainable[k]).s("name");
    const HostTensor& grad = analytic.at(name);
    if (!chosen[k]) {
      ParameterCheck skipped{name, grad.numel()};
      skipped.sampled = false;
      report.parameters.push_back(skipped);
      continue;
    }
    ConeLoss loss_of(bound, values, trainable[k]);
    ParameterCheck check = check_parameter(name, grad, feeds.at(name), loss_of, options, report.error_floor, rng);
    report.passed = report.passed && check.passed;
    report.parameters.push_back(check);
  }
  return report;
}

}  // namespace graphc::runtime
