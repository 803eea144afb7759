#include "runtime/optim/update_rules.h"

#include <cmath>

#include "ir/error.h"

namespace graphc::runtime {

namespace {

// The update loops stream every parameter once a step (lenet: 62k values,
// about 7% of a batch-4 step), so each is compiled for AVX-512, AVX2 and the
// baseline, picked when the trainer starts. No fma contraction: every
// variant rounds each product and sum as the baseline does, so the CPU a
// trainer runs on changes no bit.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define GRAPHC_UPDATE_LOOP \
  __attribute__((target_clones("avx512f", "avx2", "default"), optimize("fp-contract=off")))
#else
#define GRAPHC_UPDATE_LOOP
#endif

// Adding 0*p is not a no-op when p is inf or NaN, and PyTorch skips the term
// when the decay is 0, so the decay is a compile-time branch.
template <bool kDecay>
GRAPHC_UPDATE_LOOP void sgd_loop(float* __restrict p, const float* __restrict g, size_t n, float lr, float wd) {
  for (size_t i = 0; i < n; ++i) {
    float d = g[i];
    if constexpr (kDecay) d += wd * p[i];
    p[i] -= lr * d;
  }
}

template <bool kDecay, bool kNesterov>
GRAPHC_UPDATE_LOOP void momentum_loop(float* __restrict p, const float* __restrict g, float* __restrict buf, size_t n,
                                      float lr, float mu, float wd) {
  for (size_t i = 0; i < n; ++i) {
    float d = g[i];
    if constexpr (kDecay) d += wd * p[i];
    float b = mu * buf[i] + d;
    buf[i] = b;
    if constexpr (kNesterov)
      p[i] -= lr * (d + mu * b);
    else
      p[i] -= lr * b;
  }
}

// Adam's L2 term and AdamW's decoupled decay, each a compile-time choice so
// the loop stays one pass with no per-element branch.
enum class AdamDecay { none, l2, decoupled };

struct AdamScalars {
  float b1, one_minus_b1, b2, one_minus_b2, step_size, bias2_sqrt, eps, wd, keep;
};

template <AdamDecay kDecay>
GRAPHC_UPDATE_LOOP void adam_loop(float* __restrict p, const float* __restrict g, float* __restrict m,
                                  float* __restrict v, size_t n, const AdamScalars s) {
  for (size_t i = 0; i < n; ++i) {
    float pi = p[i];
    if constexpr (kDecay == AdamDecay::decoupled) pi *= s.keep;
    float d = g[i];
    if constexpr (kDecay == AdamDecay::l2) d += s.wd * pi;
    float mi = s.b1 * m[i] + s.one_minus_b1 * d;
    float vi = s.b2 * v[i] + s.one_minus_b2 * d * d;
    m[i] = mi;
    v[i] = vi;
    // GCC vectorises this loop only under -fno-math-errno: otherwise sqrt
    // keeps a scalar errno path for negative input (vi is never negative).
    float denom = std::sqrt(vi) / s.bias2_sqrt + s.eps;
    p[i] = pi - s.step_size * (mi / denom);
  }
}

// Buffer sizes come from the compiled program, never from the user, so a
// mismatch is an internal bug.
void check_sizes(std::span<float> params, std::span<const float> grads) {
  GRAPHC_ASSERT(grads.size() == params.size(), "gradient buffer has ", grads.size(), " elements, parameters ",
                params.size());
}

void check_state_size(std::span<float> params, std::span<float> state) {
  GRAPHC_ASSERT(state.size() == params.size(), "optimizer state has ", state.size(), " elements, parameters ",
                params.size());
}

}  // namespace

void sgd_update(std::span<float> params, std::span<const float> grads, double lr, double weight_decay) {
  check_sizes(params, grads);
  auto f_lr = static_cast<float>(lr), f_wd = static_cast<float>(weight_decay);
  if (weight_decay != 0)
    sgd_loop<true>(params.data(), grads.data(), params.size(), f_lr, f_wd);
  else
    sgd_loop<false>(params.data(), grads.data(), params.size(), f_lr, f_wd);
}

void momentum_update(std::span<float> params, std::span<const float> grads, std::span<float> momentum_buffer, double lr,
                     double momentum, double weight_decay, bool nesterov) {
  check_sizes(params, grads);
  check_state_size(params, momentum_buffer);
  float* p = params.data();
  const float* g = grads.data();
  float* buf = momentum_buffer.data();
  size_t n = params.size();
  auto f_lr = static_cast<float>(lr), f_mu = static_cast<float>(momentum), f_wd = static_cast<float>(weight_decay);
  bool decay = weight_decay != 0;
  if (decay && nesterov) momentum_loop<true, true>(p, g, buf, n, f_lr, f_mu, f_wd);
  if (decay && !nesterov) momentum_loop<true, false>(p, g, buf, n, f_lr, f_mu, f_wd);
  if (!decay && nesterov) momentum_loop<false, true>(p, g, buf, n, f_lr, f_mu, f_wd);
  if (!decay && !nesterov) momentum_loop<false, false>(p, g, buf, n, f_lr, f_mu, f_wd);
}

void adam_update(std::span<float> params, std::span<const float> grads, std::span<float> exp_avg,
                 std::span<float> exp_avg_sq, const AdamHyper& h) {
  check_sizes(params, grads);
  check_state_size(params, exp_avg);
  check_state_size(params, exp_avg_sq);
  GRAPHC_ASSERT(h.step >= 1, "adam step counts from 1, got ", h.step);
  auto t = static_cast<double>(h.step);
  double bias1 = 1 - std::pow(h.beta1, t);
  double bias2 = 1 - std::pow(h.beta2, t);
  AdamScalars s{
      .b1 = static_cast<float>(h.beta1),
      .one_minus_b1 = static_cast<float>(1 - h.beta1),
      .b2 = static_cast<float>(h.beta2),
      .one_minus_b2 = static_cast<float>(1 - h.beta2),
      .step_size = static_cast<float>(h.lr / bias1),
      .bias2_sqrt = static_cast<float>(std::sqrt(bias2)),
      .eps = static_cast<float>(h.eps),
      .wd = static_cast<float>(h.weight_decay),
      .keep = static_cast<float>(1 - h.lr * h.weight_decay),
  };
  float* p = params.data();
  const float* g = grads.data();
  float* m = exp_avg.data();
  float* v = exp_avg_sq.data();
  size_t n = params.size();
  if (h.weight_decay == 0)
    adam_loop<AdamDecay::none>(p, g, m, v, n, s);
  else if (h.decoupled)
    adam_loop<AdamDecay::decoupled>(p, g, m, v, n, s);
  else
    adam_loop<AdamDecay::l2>(p, g, m, v, n, s);
}

}  // namespace graphc::runtime
