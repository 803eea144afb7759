#include "runtime/optim/grad_clip.h"

#include <array>
#include <cmath>

#include "ir/error.h"

namespace graphc::runtime {

double grad_norm(std::span<const float> grads) {
  // Element i always goes to partial sum i % 8 and the partial sums are
  // added in lane order: a fixed order, like a sequential sum, that the
  // compiler can still vectorise (each lane keeps its own sequence).
  constexpr size_t kLanes = 8;
  std::array<double, kLanes> partial{};
  const float* g = grads.data();
  size_t n = grads.size();
  size_t full = n - n % kLanes;
  for (size_t i = 0; i < full; i += kLanes)
    for (size_t lane = 0; lane < kLanes; ++lane) {
      auto x = static_cast<double>(g[i + lane]);
      partial[lane] += x * x;
    }
  for (size_t i = full; i < n; ++i) {
    auto x = static_cast<double>(g[i]);
    partial[i - full] += x * x;
  }
  double sum = 0;
  for (double p : partial) sum += p;
  return std::sqrt(sum);
}

double clip_grad_norm(std::span<float> grads, double max_norm) {
  if (!(max_norm > 0)) throw Error(cat("gradient clipping max_norm must be > 0, got ", max_norm));
  double norm = grad_norm(grads);
  if (!std::isfinite(norm)) return norm;
  double coef = max_norm / (norm + 1e-6);
  if (coef < 1.0) {
    auto scale = static_cast<float>(coef);
    for (float& g : grads) g *= scale;
  }
  return norm;
}

}  // namespace graphc::runtime
