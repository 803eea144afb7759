// Init schemes resolve to the bounds PyTorch computes: these are the numbers a
// PyTorch user would get from torch.nn.init on the same shapes.
#include <gtest/gtest.h>

#include <cmath>

#include "frontend/init.h"

namespace graphc::nn {
namespace {

TEST(Fans, LinearWeightIsOutByIn) {
  EXPECT_EQ(fans({128, 784}), (std::pair<int64_t, int64_t>{784, 128}));
}

TEST(Fans, ConvWeightCountsTheReceptiveField) {
  EXPECT_EQ(fans({64, 3, 3, 3}), (std::pair<int64_t, int64_t>{27, 576}));
  // Grouped conv: the weight holds C/groups input channels per output.
  EXPECT_EQ(fans({32, 4, 5, 5}), (std::pair<int64_t, int64_t>{100, 800}));
}

TEST(Fans, RankBelowTwoIsAnError) {
  EXPECT_THROW(fans({10}), Error);
  EXPECT_THROW(fans({}), Error);
}

void expect_uniform(const InitSpec& spec, double bound) {
  ASSERT_EQ(spec.kind, "uniform");
  ASSERT_EQ(spec.args.size(), 2u);
  EXPECT_DOUBLE_EQ(spec.args[0], -bound);
  EXPECT_DOUBLE_EQ(spec.args[1], bound);
}

void expect_normal(const InitSpec& spec, double stddev) {
  ASSERT_EQ(spec.kind, "normal");
  ASSERT_EQ(spec.args.size(), 2u);
  EXPECT_EQ(spec.args[0], 0.0);
  EXPECT_DOUBLE_EQ(spec.args[1], stddev);
}

TEST(Init, PyTorchDefaultForLinearIsOneOverSqrtFanIn) {
  expect_uniform(Init::kaiming_uniform_default().resolve({128, 784}), 1.0 / 28);
  expect_uniform(Init::kaiming_uniform_default().resolve({6, 3, 5, 5}), 1.0 / std::sqrt(75.0));
}

TEST(Init, KaimingUniformUsesTheLeakyReluGain) {
  // a = 0: gain sqrt(2), bound = sqrt(2) * sqrt(3 / fan_in) = sqrt(6 / 50).
  expect_uniform(Init::kaiming_uniform().resolve({10, 50}), std::sqrt(6.0 / 50));
  // a = 1: gain 1.
  expect_uniform(Init::kaiming_uniform(1.0).resolve({10, 50}), std::sqrt(3.0 / 50));
  // fan_out mode: fan = 10.
  expect_uniform(Init::kaiming_uniform(0, /*fan_out=*/true).resolve({10, 50}), std::sqrt(6.0 / 10));
}

TEST(Init, KaimingNormal) {
  expect_normal(Init::kaiming_normal().resolve({10, 50}), std::sqrt(2.0 / 50));
  expect_normal(Init::kaiming_normal(0, true).resolve({16, 8, 3, 3}), std::sqrt(2.0 / (16 * 9)));
}

TEST(Init, Xavier) {
  expect_uniform(Init::xavier_uniform().resolve({20, 30}), std::sqrt(6.0 / 50));
  expect_uniform(Init::xavier_uniform(2.0).resolve({20, 30}), 2 * std::sqrt(6.0 / 50));
  expect_normal(Init::xavier_normal().resolve({20, 30}), std::sqrt(2.0 / 50));
  // Conv: fan_in = 8*9, fan_out = 16*9.
  expect_normal(Init::xavier_normal(0.5).resolve({16, 8, 3, 3}), 0.5 * std::sqrt(2.0 / (24 * 9)));
}

TEST(Init, ConcreteSchemesPassThrough) {
  EXPECT_EQ(Init::zeros().resolve({3}).str(), "zeros()");
  EXPECT_EQ(Init::ones().resolve({3}).str(), "ones()");
  EXPECT_EQ(Init::constant(0.25).resolve({3}).str(), "constant(0.25)");
  EXPECT_EQ(Init::uniform(-2, 3).resolve({3}).str(), "uniform(-2,3)");
  EXPECT_EQ(Init::normal(1, 0.5).resolve({3}).str(), "normal(1,0.5)");
}

TEST(Init, BadDistributionArgumentsAreErrors) {
  EXPECT_THROW(Init::uniform(1, -1).resolve({3}), Error);
  EXPECT_THROW(Init::normal(0, -1).resolve({3}), Error);
  EXPECT_THROW(Init::kaiming_uniform().resolve({3}), Error);  // no fan for a vector
}

TEST(Init, DefaultBias) {
  expect_uniform(default_bias_init(784), 1.0 / 28);
  expect_uniform(default_bias_init(0), 0.0);  // PyTorch's bound for an empty fan-in
}

}  // namespace
}  // namespace graphc::nn
