// Gradient-norm clipping: the norm it reports, when it scales, by how much.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "ir/error.h"
#include "runtime/optim/grad_clip.h"

namespace graphc::runtime {
namespace {

TEST(ClipGradNorm, BelowTheLimitLeavesGradientsAlone) {
  std::vector<float> g{3.0f, 0.0f, -4.0f};
  EXPECT_EQ(clip_grad_norm(g, 10.0), 5.0);
  EXPECT_EQ(g, (std::vector<float>{3.0f, 0.0f, -4.0f}));
}

TEST(ClipGradNorm, AboveTheLimitScalesToIt) {
  std::vector<float> g{3.0f, 0.0f, -4.0f};
  EXPECT_EQ(clip_grad_norm(g, 1.0), 5.0);  // the norm before clipping
  // PyTorch's factor: max_norm / (norm + 1e-6).
  auto scale = static_cast<float>(1.0 / (5.0 + 1e-6));
  EXPECT_EQ(g, (std::vector<float>{3.0f * scale, 0.0f, -4.0f * scale}));
  EXPECT_NEAR(std::hypot(g[0], g[2]), 1.0, 1e-6);
}

TEST(ClipGradNorm, NormOfALongBufferIsExact) {
  // Squares of multiples of 1/4 add exactly in double, so any summation
  // order gives the same sum: the result must equal the sequential one.
  std::vector<float> g(1003);
  double sum = 0;
  for (size_t i = 0; i < g.size(); ++i) {
    g[i] = static_cast<float>(static_cast<int>(i % 7) - 3) * 0.25f;
    sum += static_cast<double>(g[i]) * g[i];
  }
  EXPECT_EQ(grad_norm(g), std::sqrt(sum));
  EXPECT_EQ(grad_norm(std::vector<float>{}), 0.0);
}

TEST(ClipGradNorm, NonFiniteNormIsReportedNotSpread) {
  std::vector<float> g{1.0f, NAN, 2.0f};
  EXPECT_TRUE(std::isnan(clip_grad_norm(g, 1.0)));
  EXPECT_EQ(g[0], 1.0f);
  EXPECT_EQ(g[2], 2.0f);
  std::vector<float> h{INFINITY, 1.0f};
  EXPECT_TRUE(std::isinf(clip_grad_norm(h, 1.0)));
  EXPECT_EQ(h[1], 1.0f);
}

TEST(ClipGradNorm, RejectsANonPositiveLimit) {
  std::vector<float> g{1.0f};
  EXPECT_THROW(clip_grad_norm(g, 0.0), Error);
  EXPECT_THROW(clip_grad_norm(g, -1.0), Error);
}

}  // namespace
}  // namespace graphc::runtime
