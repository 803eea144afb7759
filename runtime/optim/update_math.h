// The arithmetic of one element of each torch.optim update rule, written
// once for both places an update runs: the host loops of update_rules.cpp
// include this header, and graphc embeds its text in every CUDA module
// (runtime/cuda/device_kernels.cu, codegen/cuda/cuda_emitter.cpp), whose
// update kernel calls the same functions. So the rules cannot drift apart,
// and a step on the GPU gives the host's bits: each product is rounded on
// its own (GRAPHC_MUL is __fmul_rn on the device, which NVRTC never fuses
// into an fma; the host file is compiled with -ffp-contract=off), division
// and square root are IEEE on both (no fast math anywhere).
//
// It must stay valid CUDA C for NVRTC, which has no standard headers: no
// includes on the device side, plain structs, an include guard instead of
// #pragma once (which warns in a main file, and NVRTC fails on warnings).
#ifndef GRAPHC_RUNTIME_OPTIM_UPDATE_MATH_H
#define GRAPHC_RUNTIME_OPTIM_UPDATE_MATH_H

#if defined(__CUDACC__)
#define GRAPHC_UPDATE_FN __device__ __forceinline__
#define GRAPHC_MUL(a, b) __fmul_rn((a), (b))
#define GRAPHC_SQRT(x) sqrtf(x)
#else
#include <cmath>
#define GRAPHC_UPDATE_FN inline
#define GRAPHC_MUL(a, b) ((a) * (b))
#define GRAPHC_SQRT(x) std::sqrt(x)
#endif

// The rules, numbered for the device kernel's switch.
enum graphc_update_rule { graphc_rule_sgd = 0, graphc_rule_momentum = 1, graphc_rule_nesterov = 2, graphc_rule_adam = 3 };

// Everything one step of a rule needs besides the buffers, as f32 values
// rounded once from the double the host computes them in (as PyTorch does
// the per-step scalars in Python floats). Plain data of the same layout on
// host and device: the CUDA executor passes it to the kernel by value.
struct graphc_update_scalars {
  int rule;       // graphc_update_rule
  int decay;      // 0: none; 1: L2 (d = g + wd*p); 2: decoupled (AdamW: p *= keep first)
  float lr, momentum, weight_decay;  // sgd, momentum, nesterov
  float beta1, one_minus_beta1, beta2, one_minus_beta2;  // adam
  float step_size;   // lr / (1 - beta1^t)
  float bias2_sqrt;  // sqrt(1 - beta2^t)
  float eps;
  float keep;  // 1 - lr*wd (decoupled decay)
};

// Adding 0*p is not a no-op when p is inf or NaN, and PyTorch skips the
// term when the decay is 0, so the decay is a compile-time choice (the host
// loops and the device kernel instantiate each case).
template <bool kDecay>
GRAPHC_UPDATE_FN float graphc_sgd_element(float p, float g, const graphc_update_scalars& s) {
  float d = g;
  if (kDecay) d += GRAPHC_MUL(s.weight_decay, p);
  return p - GRAPHC_MUL(s.lr, d);
}

// torch.optim.SGD with momentum (dampening 0); buf starts at 0, which gives
// PyTorch's first step buf = d without a special case.
template <bool kDecay, bool kNesterov>
GRAPHC_UPDATE_FN float graphc_momentum_element(float p, float g, float& buf, const graphc_update_scalars& s) {
  float d = g;
  if (kDecay) d += GRAPHC_MUL(s.weight_decay, p);
  const float b = GRAPHC_MUL(s.momentum, buf) + d;
  buf = b;
  if (kNesterov) return p - GRAPHC_MUL(s.lr, d + GRAPHC_MUL(s.momentum, b));
  return p - GRAPHC_MUL(s.lr, b);
}

// torch.optim.Adam (kDecay 1: L2) and AdamW (kDecay 2: decoupled), amsgrad off.
template <int kDecay>
GRAPHC_UPDATE_FN float graphc_adam_element(float p, float g, float& m, float& v, const graphc_update_scalars& s) {
  if (kDecay == 2) p = GRAPHC_MUL(p, s.keep);
  float d = g;
  if (kDecay == 1) d += GRAPHC_MUL(s.weight_decay, p);
  const float mi = GRAPHC_MUL(s.beta1, m) + GRAPHC_MUL(s.one_minus_beta1, d);
  const float vi = GRAPHC_MUL(s.beta2, v) + GRAPHC_MUL(GRAPHC_MUL(s.one_minus_beta2, d), d);
  m = mi;
  v = vi;
  const float denom = GRAPHC_SQRT(vi) / s.bias2_sqrt + s.eps;
  return p - GRAPHC_MUL(s.step_size, mi / denom);
}

#endif  // GRAPHC_RUNTIME_OPTIM_UPDATE_MATH_H
