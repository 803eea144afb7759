// conv2d and its two gradients: hand-worked cases (stride, padding, groups,
// dilation), the forward against a naive loop with explicit zero padding, and
// the adjoint identities <conv(x,w), dy> = <x, grad_input(dy,w)> =
// <w, grad_weight(x,dy)> on random shapes.
#include <random>

#include "interpreter_test_util.h"

namespace graphc::runtime::interpreter_testing {
namespace {

std::vector<double> iota1(int n) {  // 1..n
  std::vector<double> v(n);
  for (int i = 0; i < n; ++i) v[i] = i + 1;
  return v;
}

Conv2dOptions stride2_pad1() {
  Conv2dOptions o;
  o.stride = {2, 2};
  o.padding = {1, 1};
  return o;
}

// x = 1..16 as 1x1x4x4, w = [[1,2],[3,4]], stride 2, padding 1 -> 3x3.
// Output (oh,ow) covers input rows 2oh-1..2oh and columns 2ow-1..2ow, e.g.
// (0,0) sees only x[0][0]=1 under w[1][1]=4 -> 4;
// (1,1) = 6*1 + 7*2 + 10*3 + 11*4 = 94.
INTERPRETER_OP_TEST(conv2d, StrideTwoPaddingOne) {
  OpRunner r;
  Tensor x = r.input("x", f32({1, 1, 4, 4}, iota1(16)), {kBatch, 1, 4, 4});
  Tensor w = r.input("w", f32({1, 1, 2, 2}, {1, 2, 3, 4}));
  expect_tensor(r.run(conv2d(x, w, stride2_pad1())), DType::f32, {1, 1, 3, 3}, {4, 18, 12, 46, 94, 44, 26, 44, 16});
}

INTERPRETER_OP_TEST(conv2d, GroupsScaleEachChannel) {
  // groups = 2 with 1x1 kernels: channel 0 times 2, channel 1 times -1.
  OpRunner r;
  Tensor x = r.input("x", f32({1, 2, 2, 2}, iota1(8)));
  Tensor w = r.input("w", f32({2, 1, 1, 1}, {2, -1}));
  Conv2dOptions o;
  o.groups = 2;
  expect_tensor(r.run(conv2d(x, w, o)), DType::f32, {1, 2, 2, 2}, {2, 4, 6, 8, -5, -6, -7, -8});
}

INTERPRETER_OP_TEST(conv2d, DilationAndChannelsSum) {
  // A 2x2 kernel of ones dilated by 2 over 3x3 reads the four corners, and
  // the two input channels add: (1+3+7+9) + (10+12+16+18) = 76.
  OpRunner r;
  Tensor x = r.input("x", f32({1, 2, 3, 3}, iota1(18)));
  Tensor w = r.input("w", f32({1, 2, 2, 2}, std::vector<double>(8, 1.0)));
  Conv2dOptions o;
  o.dilation = {2, 2};
  expect_tensor(r.run(conv2d(x, w, o)), DType::f32, {1, 1, 1, 1}, {76});
}

INTERPRETER_OP_TEST(conv2d_grad_input, StrideTwoPaddingOne) {
  // The windows of the case above tile the padded 6x6 input exactly once, so
  // with dy = 1 each x[i][j] receives the one tap w[(i+1)%2][(j+1)%2].
  OpRunner r;
  Tensor dy = r.input("dy", f32({1, 1, 3, 3}, std::vector<double>(9, 1.0)));
  Tensor w = r.input("w", f32({1, 1, 2, 2}, {1, 2, 3, 4}));
  expect_tensor(r.run(conv2d_grad_input(dy, w, {1, 1, 4, 4}, stride2_pad1())), DType::f32, {1, 1, 4, 4},
                {4, 3, 4, 3, 2, 1, 2, 1, 4, 3, 4, 3, 2, 1, 2, 1});
}

INTERPRETER_OP_TEST(conv2d_grad_weight, StrideTwoPaddingOne) {
  // With dy = 1, dw[kh][kw] sums the x under tap (kh,kw) over all windows:
  // dw[0][0] = x[1][1]+x[1][3]+x[3][1]+x[3][3] = 6+8+14+16 = 44, and so on.
  OpRunner r;
  Tensor x = r.input("x", f32({1, 1, 4, 4}, iota1(16)));
  Tensor dy = r.input("dy", f32({1, 1, 3, 3}, std::vector<double>(9, 1.0)));
  expect_tensor(r.run(conv2d_grad_weight(x, dy, {1, 1, 2, 2}, stride2_pad1())), DType::f32, {1, 1, 2, 2},
                {44, 40, 28, 24});
}

// A random convolution configuration whose output is non-empty.
struct ConvCase {
  int64_t n, c, h, w, o, kh, kw, groups;
  Conv2dOptions opts;
  int64_t oh() const { return (h + 2 * opts.padding[0] - opts.dilation[0] * (kh - 1) - 1) / opts.stride[0] + 1; }
  int64_t ow() const { return (w + 2 * opts.padding[1] - opts.dilation[1] * (kw - 1) - 1) / opts.stride[1] + 1; }
};

std::vector<ConvCase> random_cases(int count, std::mt19937& rng) {
  auto pick = [&](int lo, int hi) { return static_cast<int64_t>(std::uniform_int_distribution<int>(lo, hi)(rng)); };
  std::vector<ConvCase> cases;
  while (static_cast<int>(cases.size()) < count) {
    ConvCase k;
    k.groups = pick(1, 3);
    k.n = pick(1, 2), k.c = k.groups * pick(1, 2), k.o = k.groups * pick(1, 2);
    k.h = pick(3, 8), k.w = pick(3, 8), k.kh = pick(1, 3), k.kw = pick(1, 3);
    k.opts.stride = {pick(1, 3), pick(1, 3)};
    k.opts.padding = {pick(0, 2), pick(0, 2)};
    k.opts.dilation = {pick(1, 2), pick(1, 2)};
    k.opts.groups = k.groups;
    const bool fits = k.h + 2 * k.opts.padding[0] >= k.opts.dilation[0] * (k.kh - 1) + 1 &&
                      k.w + 2 * k.opts.padding[1] >= k.opts.dilation[1] * (k.kw - 1) + 1;
    if (fits) cases.push_back(k);
  }
  return cases;
}

std::vector<double> random_values(int64_t count, std::mt19937& rng) {
  std::uniform_real_distribution<double> dist(-1, 1);
  std::vector<double> v(count);
  for (auto& e : v) e = dist(rng);
  return v;
}

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

TEST(Interp_conv2d, MatchesNaiveLoopsOnRandomShapes) {
  std::mt19937 rng(5);
  for (const ConvCase& k : random_cases(40, rng)) {
    SCOPED_TRACE(cat("x[", k.n, ",", k.c, ",", k.h, ",", k.w, "] w[", k.o, ",", k.c / k.groups, ",", k.kh, ",", k.kw,
                     "] stride ", k.opts.stride[0], "x", k.opts.stride[1], " pad ", k.opts.padding[0], "x",
                     k.opts.padding[1], " dil ", k.opts.dilation[0], "x", k.opts.dilation[1], " g ", k.groups));
    const int64_t cg = k.c / k.groups, og = k.o / k.groups;
    std::vector<double> xv = random_values(k.n * k.c * k.h * k.w, rng), wv = random_values(k.o * cg * k.kh * k.kw, rng);
    // The definition: y[n,o,i,j] = sum over c in o's group, a, b of
    // w[o,c,a,b] * x[n,c, i*s - p + a*d, j*s - p + b*d] (zero outside).
    std::vector<double> want(k.n * k.o * k.oh() * k.ow(), 0.0);
    for (int64_t n = 0; n < k.n; ++n)
      for (int64_t o = 0; o < k.o; ++o)
        for (int64_t i = 0; i < k.oh(); ++i)
          for (int64_t j = 0; j < k.ow(); ++j) {
            double s = 0;
            for (int64_t c = 0; c < cg; ++c)
              for (int64_t a = 0; a < k.kh; ++a)
                for (int64_t b = 0; b < k.kw; ++b) {
                  int64_t y = i * k.opts.stride[0] - k.opts.padding[0] + a * k.opts.dilation[0];
                  int64_t x = j * k.opts.stride[1] - k.opts.padding[1] + b * k.opts.dilation[1];
                  if (y < 0 || y >= k.h || x < 0 || x >= k.w) continue;
                  int64_t channel = (o / og) * cg + c;
                  s += wv[((o * cg + c) * k.kh + a) * k.kw + b] * xv[((n * k.c + channel) * k.h + y) * k.w + x];
                }
            want[((n * k.o + o) * k.oh() + i) * k.ow() + j] = s;
          }
    OpRunner r;
    Tensor x = r.input("x", HostTensor(DType::f64, {k.n, k.c, k.h, k.w}, xv));
    Tensor w = r.input("w", HostTensor(DType::f64, {k.o, cg, k.kh, k.kw}, wv));
    expect_tensor(r.run(conv2d(x, w, k.opts)), DType::f64, {k.n, k.o, k.oh(), k.ow()}, want, 1e-13);
  }
}

TEST(Interp_conv2d, GradientsAreAdjointsOnRandomShapes) {
  std::mt19937 rng(17);
  for (const ConvCase& k : random_cases(60, rng)) {
    SCOPED_TRACE(cat("x[", k.n, ",", k.c, ",", k.h, ",", k.w, "] w[", k.o, ",", k.c / k.groups, ",", k.kh, ",", k.kw,
                     "] stride ", k.opts.stride[0], "x", k.opts.stride[1], " pad ", k.opts.padding[0], "x",
                     k.opts.padding[1], " dil ", k.opts.dilation[0], "x", k.opts.dilation[1], " g ", k.groups));
    const Shape xs{k.n, k.c, k.h, k.w}, ws{k.o, k.c / k.groups, k.kh, k.kw}, ys{k.n, k.o, k.oh(), k.ow()};
    OpRunner r;
    Tensor x = r.input("x", HostTensor(DType::f64, xs, random_values(xs.numel(1), rng)));
    Tensor w = r.input("w", HostTensor(DType::f64, ws, random_values(ws.numel(1), rng)));
    Tensor dy = r.input("dy", HostTensor(DType::f64, ys, random_values(ys.numel(1), rng)));
    r.b.output("y", conv2d(x, w, k.opts), OutputRole::value);
    r.b.output("dx", conv2d_grad_input(dy, w, xs, k.opts), OutputRole::value);
    r.b.output("dw", conv2d_grad_weight(x, dy, ws, k.opts), OutputRole::value);
    TensorMap out = interpret(r.g, r.feeds);
    const double forward = dot(out.at("y").data, r.feeds.at("dy").data);
    const double through_input = dot(r.feeds.at("x").data, out.at("dx").data);
    const double through_weight = dot(r.feeds.at("w").data, out.at("dw").data);
    const double scale = 1e-12 * (1 + std::abs(forward));
    EXPECT_NEAR(through_input, forward, scale);
    EXPECT_NEAR(through_weight, forward, scale);
  }
}

}  // namespace
}  // namespace graphc::runtime::interpreter_testing
