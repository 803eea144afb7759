#include "runtime/optim/update_rules.h"

#include <cmath>

#include "ir/error.h"

namespace graphc::runtime {

namespace {

// The update loops stream every parameter once a step (lenet: 62k values,
// about 7% of a batch-4 step), so each is compiled for AVX-512, AVX2 and the
// baseline, picked when the trainer starts. No fma contraction (this file is
// compiled with -ffp-contract=off, runtime/CMakeLists.txt): every variant
// rounds each product and sum as the baseline and the GPU do, so the CPU a
// trainer runs on changes no bit.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define GRAPHC_UPDATE_LOOP __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define GRAPHC_UPDATE_LOOP
#endif

template <bool kDecay>
GRAPHC_UPDATE_LOOP void sgd_loop(float* __restrict p, const float* __restrict g, size_t n,
                                 const graphc_update_scalars s) {
  for (size_t i = 0; i < n; ++i) p[i] = graphc_sgd_element<kDecay>(p[i], g[i], s);
}

template <bool kDecay, bool kNesterov>
GRAPHC_UPDATE_LOOP void momentum_loop(float* __restrict p, const float* __restrict g, float* __restrict buf, size_t n,
                                      const graphc_update_scalars s) {
  for (size_t i = 0; i < n; ++i) p[i] = graphc_momentum_element<kDecay, kNesterov>(p[i], g[i], buf[i], s);
}

// GCC vectorises this loop only under -fno-math-errno (the project's
// default): otherwise sqrt keeps a scalar errno path for negative input.
template <int kDecay>
GRAPHC_UPDATE_LOOP void adam_loop(float* __restrict p, const float* __restrict g, float* __restrict m,
                                  float* __restrict v, size_t n, const graphc_update_scalars s) {
  for (size_t i = 0; i < n; ++i) p[i] = graphc_adam_element<kDecay>(p[i], g[i], m[i], v[i], s);
}

// Buffer sizes come from the compiled program, never from the user, so a
// mismatch is an internal bug.
void check_size(const char* what, size_t got, size_t params) {
  GRAPHC_ASSERT(got == params, what, " has ", got, " elements, parameters ", params);
}

}  // namespace

graphc_update_scalars update_scalars(const OptimizerConfig& c, double lr, int64_t step) {
  GRAPHC_ASSERT(step >= 1, "optimizer steps count from 1, got ", step);
  graphc_update_scalars s{};
  s.lr = static_cast<float>(lr);
  s.weight_decay = static_cast<float>(c.weight_decay);
  s.decay = c.weight_decay != 0 ? 1 : 0;
  switch (c.kind) {
    case OptimizerKind::sgd:
      s.rule = c.momentum == 0 ? graphc_rule_sgd : graphc_rule_momentum;
      break;
    case OptimizerKind::momentum: s.rule = graphc_rule_momentum; break;
    case OptimizerKind::nesterov: s.rule = graphc_rule_nesterov; break;
    case OptimizerKind::adam:
    case OptimizerKind::adamw: {
      s.rule = graphc_rule_adam;
      if (c.kind == OptimizerKind::adamw && s.decay) s.decay = 2;
      const auto t = static_cast<double>(step);
      const double bias1 = 1 - std::pow(c.beta1, t), bias2 = 1 - std::pow(c.beta2, t);
      s.beta1 = static_cast<float>(c.beta1);
      s.one_minus_beta1 = static_cast<float>(1 - c.beta1);
      s.beta2 = static_cast<float>(c.beta2);
      s.one_minus_beta2 = static_cast<float>(1 - c.beta2);
      s.step_size = static_cast<float>(lr / bias1);
      s.bias2_sqrt = static_cast<float>(std::sqrt(bias2));
      s.eps = static_cast<float>(c.eps);
      s.keep = static_cast<float>(1 - lr * c.weight_decay);
      break;
    }
  }
  s.momentum = static_cast<float>(c.momentum);
  return s;
}

int update_state_buffers(const graphc_update_scalars& s) {
  switch (s.rule) {
    case graphc_rule_sgd: return 0;
    case graphc_rule_momentum:
    case graphc_rule_nesterov: return 1;
    case graphc_rule_adam: return 2;
  }
  GRAPHC_ASSERT(false, "update rule ", s.rule, " out of range");
  return 0;
}

void apply_update(const graphc_update_scalars& s, std::span<float> params, std::span<const float> grads,
                  std::span<float> state0, std::span<float> state1) {
  const size_t n = params.size();
  check_size("gradient buffer", grads.size(), n);
  const int states = update_state_buffers(s);
  if (states >= 1) check_size("optimizer state", state0.size(), n);
  if (states >= 2) check_size("optimizer state", state1.size(), n);
  float* p = params.data();
  const float* g = grads.data();
  float* s0 = state0.data();
  float* s1 = state1.data();
  const bool decay = s.decay != 0;
  switch (s.rule) {
    case graphc_rule_sgd:
      if (decay) sgd_loop<true>(p, g, n, s);
      else sgd_loop<false>(p, g, n, s);
      return;
    case graphc_rule_momentum:
      if (decay) momentum_loop<true, false>(p, g, s0, n, s);
      else momentum_loop<false, false>(p, g, s0, n, s);
      return;
    case graphc_rule_nesterov:
      if (decay) momentum_loop<true, true>(p, g, s0, n, s);
      else momentum_loop<false, true>(p, g, s0, n, s);
      return;
    case graphc_rule_adam:
      if (s.decay == 0) adam_loop<0>(p, g, s0, s1, n, s);
      else if (s.decay == 1) adam_loop<1>(p, g, s0, s1, n, s);
      else adam_loop<2>(p, g, s0, s1, n, s);
      return;
  }
}

}  // namespace graphc::runtime
