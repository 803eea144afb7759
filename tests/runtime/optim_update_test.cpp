// Every optimizer rule against values worked out in this file: literal
// numbers derived by hand for the first steps, and a plain double-precision
// transcription of the torch.optim documentation for several steps. Neither
// calls the code under test.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "ir/error.h"
#include "runtime/optim/optimizer.h"

namespace graphc::runtime {
namespace {

// The optimizer works in f32 (as PyTorch does for f32 parameters), so each
// value is a few f32 roundings (half an ulp, <= 1.2e-7 below magnitude 2)
// away from the double reference; the largest seen is under 2e-7. A wrong
// formula (missing bias correction, eps inside the sqrt, coupled decay,
// dampened momentum) moves the values by 1e-4 or more.
constexpr double kF32Tolerance = 5e-7;

const std::vector<double> kParams0{1.0, -2.0, 0.5};
const std::vector<std::vector<double>> kGrads{{0.1, -0.2, 0.3}, {0.4, 0.1, -0.5}, {-0.3, 0.2, 0.1}};

std::vector<float> to_f32(const std::vector<double>& v) { return {v.begin(), v.end()}; }

void expect_near_all(std::span<const float> actual, const std::vector<double>& expected, const char* what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  for (size_t i = 0; i < expected.size(); ++i)
    EXPECT_NEAR(actual[i], expected[i], kF32Tolerance) << what << " element " << i;
}

// Runs `steps` steps of the optimizer on kParams0 with kGrads.
std::vector<float> run(Optimizer& opt, int steps, double lr) {
  std::vector<float> p = to_f32(kParams0);
  for (int t = 0; t < steps; ++t) opt.step(p, to_f32(kGrads[static_cast<size_t>(t)]), lr);
  return p;
}

// torch.optim.SGD's documented algorithm (dampening 0), in double, with the
// first-step buffer initialisation written out as PyTorch does it.
struct ReferenceSgd {
  double lr, momentum, weight_decay;
  bool nesterov;
  std::vector<double> p = kParams0, buf = std::vector<double>(3, 0.0);
  int t = 0;
  void step(const std::vector<double>& g) {
    ++t;
    for (size_t i = 0; i < p.size(); ++i) {
      double d = g[i] + weight_decay * p[i];
      if (momentum != 0) {
        buf[i] = t == 1 ? d : momentum * buf[i] + d;
        d = nesterov ? d + momentum * buf[i] : buf[i];
      }
      p[i] -= lr * d;
    }
  }
};

// torch.optim.Adam / AdamW's documented algorithm, in double.
struct ReferenceAdam {
  double lr, beta1, beta2, eps, weight_decay;
  bool decoupled;
  std::vector<double> p = kParams0, m = std::vector<double>(3, 0.0), v = std::vector<double>(3, 0.0);
  int t = 0;
  void step(const std::vector<double>& g) {
    ++t;
    for (size_t i = 0; i < p.size(); ++i) {
      if (decoupled) p[i] *= 1 - lr * weight_decay;
      double d = decoupled ? g[i] : g[i] + weight_decay * p[i];
      m[i] = beta1 * m[i] + (1 - beta1) * d;
      v[i] = beta2 * v[i] + (1 - beta2) * d * d;
      double m_hat = m[i] / (1 - std::pow(beta1, t));
      double v_hat = v[i] / (1 - std::pow(beta2, t));
      p[i] -= lr * m_hat / (std::sqrt(v_hat) + eps);
    }
  }
};

TEST(OptimSgd, TwoStepsByHand) {
  Optimizer opt({.kind = OptimizerKind::sgd}, 3);
  // p1 = p0 - 0.1*g1; p2 = p1 - 0.1*g2.
  expect_near_all(run(opt, 1, 0.1), {0.99, -1.98, 0.47}, "step 1");
  Optimizer opt2({.kind = OptimizerKind::sgd}, 3);
  expect_near_all(run(opt2, 2, 0.1), {0.95, -1.99, 0.52}, "step 2");
  EXPECT_EQ(opt2.step_count(), 2);
  EXPECT_TRUE(opt2.state_names().empty());
}

TEST(OptimSgd, WeightDecayIsAddedToTheGradient) {
  Optimizer opt({.kind = OptimizerKind::sgd, .weight_decay = 0.1}, 3);
  // d = g1 + 0.1*p0 = [0.2, -0.4, 0.35]; p1 = p0 - 0.1*d.
  expect_near_all(run(opt, 1, 0.1), {0.98, -1.96, 0.465}, "step 1");
}

TEST(OptimSgd, ThreeStepsMatchTheReference) {
  for (double wd : {0.0, 0.05}) {
    ReferenceSgd ref{.lr = 0.05, .momentum = 0, .weight_decay = wd, .nesterov = false};
    for (int t = 0; t < 3; ++t) ref.step(kGrads[static_cast<size_t>(t)]);
    Optimizer opt({.kind = OptimizerKind::sgd, .weight_decay = wd}, 3);
    expect_near_all(run(opt, 3, 0.05), ref.p, wd == 0 ? "no decay" : "decay");
  }
}

TEST(OptimMomentum, TwoStepsByHand) {
  Optimizer opt({.kind = OptimizerKind::momentum, .momentum = 0.9}, 3);
  // buf1 = g1 (PyTorch's first step); p1 = p0 - 0.1*g1.
  std::vector<float> p = run(opt, 1, 0.1);
  expect_near_all(p, {0.99, -1.98, 0.47}, "step 1");
  expect_near_all(opt.state("momentum_buffer"), {0.1, -0.2, 0.3}, "buffer 1");
  // buf2 = 0.9*g1 + g2 = [0.49, -0.08, -0.23]; p2 = p1 - 0.1*buf2.
  opt.step(p, to_f32(kGrads[1]), 0.1);
  expect_near_all(p, {0.941, -1.972, 0.493}, "step 2");
  expect_near_all(opt.state("momentum_buffer"), {0.49, -0.08, -0.23}, "buffer 2");
}

TEST(OptimMomentum, SgdWithMomentumIsMomentumAsInPyTorch) {
  Optimizer sgd({.kind = OptimizerKind::sgd, .momentum = 0.9}, 3);
  Optimizer momentum({.kind = OptimizerKind::momentum, .momentum = 0.9}, 3);
  EXPECT_EQ(sgd.state_names(), std::vector<std::string>{"momentum_buffer"});
  std::vector<float> a = run(sgd, 3, 0.1), b = run(momentum, 3, 0.1);
  EXPECT_EQ(a, b);
}

TEST(OptimNesterov, TwoStepsByHand) {
  Optimizer opt({.kind = OptimizerKind::nesterov, .momentum = 0.9}, 3);
  // buf1 = g1; step direction g1 + 0.9*buf1 = 1.9*g1 = [0.19, -0.38, 0.57].
  std::vector<float> p = run(opt, 1, 0.1);
  expect_near_all(p, {0.981, -1.962, 0.443}, "step 1");
  // buf2 = [0.49, -0.08, -0.23]; direction g2 + 0.9*buf2 = [0.841, 0.028, -0.707].
  opt.step(p, to_f32(kGrads[1]), 0.1);
  expect_near_all(p, {0.8969, -1.9648, 0.5137}, "step 2");
}

TEST(OptimMomentum, ThreeStepsWithDecayMatchTheReference) {
  for (bool nesterov : {false, true}) {
    for (double wd : {0.0, 0.1}) {
      ReferenceSgd ref{.lr = 0.05, .momentum = 0.8, .weight_decay = wd, .nesterov = nesterov};
      for (int t = 0; t < 3; ++t) ref.step(kGrads[static_cast<size_t>(t)]);
      OptimizerKind kind = nesterov ? OptimizerKind::nesterov : OptimizerKind::momentum;
      Optimizer opt({.kind = kind, .momentum = 0.8, .weight_decay = wd}, 3);
      std::string what = cat(optimizer_kind_name(kind), " wd=", wd);
      expect_near_all(run(opt, 3, 0.05), ref.p, what.c_str());
      expect_near_all(opt.state("momentum_buffer"), ref.buf, what.c_str());
    }
  }
}

TEST(OptimAdam, BiasCorrectionAtStepsOneAndTwo) {
  Optimizer opt({.kind = OptimizerKind::adam}, 3);
  // Step 1: m = 0.1*g1, v = 0.001*g1^2; bias-corrected m_hat = g1 and
  // v_hat = g1^2, so p1 = p0 - 0.01 * g1/(|g1| + 1e-8). (Without the
  // correction the step would be sqrt(10) times larger.)
  std::vector<float> p = run(opt, 1, 0.01);
  expect_near_all(p, {0.99, -1.99, 0.49}, "step 1");
  expect_near_all(opt.state("exp_avg"), {0.01, -0.02, 0.03}, "exp_avg 1");
  expect_near_all(opt.state("exp_avg_sq"), {1e-5, 4e-5, 9e-5}, "exp_avg_sq 1");
  // Step 2: m = 0.09*g1 + 0.1*g2 = [0.049, -0.008, -0.023],
  // v = 0.000999*g1^2 + 0.001*g2^2 = [1.6999e-4, 4.996e-5, 3.3991e-4],
  // p2 = p1 - 0.01 * (m/0.19) / (sqrt(v/0.001999) + 1e-8).
  opt.step(p, to_f32(kGrads[1]), 0.01);
  expect_near_all(p, {0.98115624, -1.98733663, 0.49293561}, "step 2");
  expect_near_all(opt.state("exp_avg"), {0.049, -0.008, -0.023}, "exp_avg 2");
  expect_near_all(opt.state("exp_avg_sq"), {1.6999e-4, 4.996e-5, 3.3991e-4}, "exp_avg_sq 2");
  EXPECT_EQ(opt.step_count(), 2);
}

TEST(OptimAdam, EpsIsAddedOutsideTheSquareRoot) {
  Optimizer opt({.kind = OptimizerKind::adam, .eps = 0.1}, 3);
  // p1 = p0 - 0.01 * g1/(|g1| + 0.1); inside the root it would be
  // g1/sqrt(g1^2 + 0.1), e.g. 0.1/0.332 instead of 0.1/0.2.
  expect_near_all(run(opt, 1, 0.01), {0.995, -1.99333333, 0.4925}, "step 1");
}

TEST(OptimAdam, ThreeStepsWithL2DecayMatchTheReference) {
  ReferenceAdam ref{.lr = 0.01, .beta1 = 0.8, .beta2 = 0.99, .eps = 1e-3, .weight_decay = 0.1, .decoupled = false};
  for (int t = 0; t < 3; ++t) ref.step(kGrads[static_cast<size_t>(t)]);
  Optimizer opt({.kind = OptimizerKind::adam, .weight_decay = 0.1, .beta1 = 0.8, .beta2 = 0.99, .eps = 1e-3}, 3);
  expect_near_all(run(opt, 3, 0.01), ref.p, "params");
  expect_near_all(opt.state("exp_avg"), ref.m, "exp_avg");
  expect_near_all(opt.state("exp_avg_sq"), ref.v, "exp_avg_sq");
}

TEST(OptimAdamW, DecayIsDecoupledFromTheGradient) {
  Optimizer opt({.kind = OptimizerKind::adamw, .weight_decay = 0.1}, 3);
  // p0 *= 1 - 0.01*0.1, then the plain Adam step of -0.01*sign(g1);
  // moments see g1 alone: exp_avg = 0.1*g1 exactly as without decay.
  std::vector<float> p = run(opt, 1, 0.01);
  expect_near_all(p, {0.989, -1.988, 0.4895}, "step 1");
  expect_near_all(opt.state("exp_avg"), {0.01, -0.02, 0.03}, "exp_avg 1");
  opt.step(p, to_f32(kGrads[1]), 0.01);
  expect_near_all(p, {0.97916724, -1.98334863, 0.49194611}, "step 2");
}

TEST(OptimAdamW, ThreeStepsMatchTheReference) {
  ReferenceAdam ref{.lr = 0.02, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8, .weight_decay = 0.5, .decoupled = true};
  for (int t = 0; t < 3; ++t) ref.step(kGrads[static_cast<size_t>(t)]);
  Optimizer opt({.kind = OptimizerKind::adamw, .weight_decay = 0.5}, 3);
  expect_near_all(run(opt, 3, 0.02), ref.p, "params");
  expect_near_all(opt.state("exp_avg"), ref.m, "exp_avg");
  expect_near_all(opt.state("exp_avg_sq"), ref.v, "exp_avg_sq");
}

// What a checkpoint saves (state buffers and step count) is all the next
// step depends on: restoring them into a fresh optimizer continues bit for bit.
TEST(OptimState, RestoredStateContinuesBitForBit) {
  for (OptimizerKind kind : {OptimizerKind::momentum, OptimizerKind::nesterov, OptimizerKind::adam,
                             OptimizerKind::adamw, OptimizerKind::sgd}) {
    OptimizerConfig config{.kind = kind, .momentum = 0.9, .weight_decay = 0.01};
    Optimizer uninterrupted(config, 3);
    std::vector<float> expected = run(uninterrupted, 3, 0.01);

    Optimizer first(config, 3);
    std::vector<float> p = run(first, 2, 0.01);
    Optimizer resumed(config, 3);
    for (const std::string& name : first.state_names()) {
      std::span<const float> saved = std::as_const(first).state(name);
      std::copy(saved.begin(), saved.end(), resumed.state(name).begin());
    }
    resumed.set_step_count(first.step_count());
    resumed.step(p, to_f32(kGrads[2]), 0.01);
    for (size_t i = 0; i < p.size(); ++i) EXPECT_EQ(p[i], expected[i]) << optimizer_kind_name(kind) << " element " << i;
  }
}

TEST(OptimState, NamesFollowTorchStateDict) {
  EXPECT_EQ(Optimizer({.kind = OptimizerKind::nesterov, .momentum = 0.9}, 4).state_names(),
            std::vector<std::string>{"momentum_buffer"});
  Optimizer adam({.kind = OptimizerKind::adamw}, 4);
  EXPECT_EQ(adam.state_names(), (std::vector<std::string>{"exp_avg", "exp_avg_sq"}));
  EXPECT_EQ(adam.state("exp_avg").size(), 4u);
  for (float x : adam.state("exp_avg_sq")) EXPECT_EQ(x, 0.0f);
  try {
    adam.state("momentum_buffer");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "optimizer 'adamw' has no state named 'momentum_buffer'");
  }
  EXPECT_THROW(adam.set_step_count(-1), Error);
}

}  // namespace
}  // namespace graphc::runtime
