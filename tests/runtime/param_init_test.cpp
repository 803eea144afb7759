// init_parameters: values depend only on (seed, name, index), follow the
// documented Philox definition, respect their bounds and have the right
// moments, and f32 parameters are rounded to float.
#include <cmath>
#include <numbers>

#include "interpreter_test_util.h"
#include "runtime/philox.h"

namespace graphc::runtime::interpreter_testing {
namespace {

const InitSpec kUniform{"uniform", {-0.25, 0.75}};
const InitSpec kNormal{"normal", {2.0, 3.0}};

TEST(InitParameters, IndependentOfParameterOrder) {
  Graph first, second;
  first.add_parameter("fc.weight", {3, 4}, kUniform);
  first.add_parameter("fc.bias", {5}, kNormal);
  second.add_parameter("other", {7}, kUniform);
  second.add_parameter("fc.bias", {5}, kNormal);
  second.add_parameter("fc.weight", {3, 4}, kUniform);
  TensorMap a = init_parameters(first, 9), b = init_parameters(second, 9);
  EXPECT_EQ(a.at("fc.weight").data, b.at("fc.weight").data);
  EXPECT_EQ(a.at("fc.bias").data, b.at("fc.bias").data);
  EXPECT_EQ(b.at("fc.weight").shape, Shape({3, 4}));
  // A different name or seed draws different values.
  EXPECT_NE(init_parameters(first, 10).at("fc.weight").data, a.at("fc.weight").data);
  EXPECT_NE(std::vector<double>(b.at("other").data.begin(), b.at("other").data.begin() + 5), a.at("fc.bias").data);
}

TEST(InitParameters, FollowsTheDocumentedDefinition) {
  // FNV-1a 64 of "a" is 0xaf63dc4c8601ec8c: the stream of parameter "a".
  constexpr uint64_t kStreamOfA = 0xaf63dc4c8601ec8cull;
  Graph g;
  g.add_parameter("a", {4}, kUniform);
  HostTensor t = init_parameters(g, 123).at("a");
  for (int64_t i = 0; i < 4; ++i) {
    double want = -0.25 + 1.0 * static_cast<double>(philox_uniform(123, kStreamOfA, i));
    EXPECT_EQ(t.data[i], static_cast<double>(static_cast<float>(want))) << "element " << i;
  }
}

TEST(InitParameters, NormalFollowsBoxMuller) {
  // FNV-1a 64 of "b" is 0xaf63df4c8601f1a5. Element i uses u(2i) and u(2i+1).
  constexpr uint64_t kStreamOfB = 0xaf63df4c8601f1a5ull;
  Graph g;
  g.add_parameter("b", {3}, kNormal, true, DType::f64);
  HostTensor t = init_parameters(g, 8).at("b");
  for (uint64_t i = 0; i < 3; ++i) {
    const double u1 = philox_uniform(8, kStreamOfB, 2 * i), u2 = philox_uniform(8, kStreamOfB, 2 * i + 1);
    const double z = std::sqrt(-2.0 * std::log(1.0 - u1)) * std::cos(2.0 * std::numbers::pi * u2);
    EXPECT_EQ(t.data[i], 2.0 + 3.0 * z) << "element " << i;
  }
}

TEST(InitParameters, ConstantKinds) {
  Graph g;
  g.add_parameter("z", {2}, {"zeros", {}});
  g.add_parameter("o", {2}, {"ones", {}});
  g.add_parameter("c", {2}, {"constant", {0.5}});
  TensorMap p = init_parameters(g, 1);
  EXPECT_EQ(p.at("z").data, std::vector<double>({0, 0}));
  EXPECT_EQ(p.at("o").data, std::vector<double>({1, 1}));
  EXPECT_EQ(p.at("c").data, std::vector<double>({0.5, 0.5}));
}

TEST(InitParameters, UniformBoundsMeanAndF32Rounding) {
  Graph g;
  g.add_parameter("u", {100000}, kUniform);
  HostTensor t = init_parameters(g, 3).at("u");
  double total = 0;
  for (double v : t.data) {
    ASSERT_GE(v, -0.25);
    ASSERT_LE(v, 0.75);
    ASSERT_EQ(v, static_cast<double>(static_cast<float>(v))) << "not rounded to f32";
    total += v;
  }
  // Mean 0.25; its standard deviation is (1/sqrt(12))/sqrt(1e5) ~ 0.0009.
  EXPECT_NEAR(total / 100000.0, 0.25, 0.005);
}

TEST(InitParameters, NormalMoments) {
  Graph g;
  g.add_parameter("n", {100000}, kNormal);
  HostTensor t = init_parameters(g, 4).at("n");
  double total = 0, squares = 0;
  for (double v : t.data) {
    ASSERT_TRUE(std::isfinite(v));
    total += v;
    squares += v * v;
  }
  const double mean = total / 100000.0, stddev = std::sqrt(squares / 100000.0 - mean * mean);
  // Standard errors: 3/sqrt(1e5) ~ 0.0095 for the mean, ~0.0067 for the std.
  EXPECT_NEAR(mean, 2.0, 0.05);
  EXPECT_NEAR(stddev, 3.0, 0.05);
}

TEST(InitParameters, F64ParametersKeepDoubles) {
  Graph g;
  g.add_parameter("d", {64}, kNormal, true, DType::f64);
  HostTensor t = init_parameters(g, 5).at("d");
  EXPECT_EQ(t.dtype, DType::f64);
  bool some_not_float = false;
  for (double v : t.data) some_not_float |= v != static_cast<double>(static_cast<float>(v));
  EXPECT_TRUE(some_not_float);
}

}  // namespace
}  // namespace graphc::runtime::interpreter_testing
