// The packed GEMM of the CPU backend, driven by hand-built Gemm statements:
// sizes around every blocking edge (1, primes, partial micro-tiles, more
// than one KC/MC/NC block), transposes, batches with a shared operand,
// alpha/beta, f32 and f64, against a double-precision reference of the
// Gemm's definition; and bit-identical results for 1 and 3 threads. Also
// the dot-product form of a few rows against a transposed B.
#include <cmath>
#include <cstring>
#include <random>

#include "frontend/ops.h"
#include "runtime/cpu/thread_pool.h"
#include "tests/codegen/codegen_test_util.h"

namespace graphc::codegen::testing {
namespace {

struct GemmCase {
  int64_t m, n, k;
  bool transpose_a = false, transpose_b = false;
  double alpha = 1, beta = 0;
  int64_t batch = 1;
  bool shared_a = false, shared_b = false;  // batch stride 0
  DType dtype = DType::f32;
};

std::string describe(const GemmCase& c) {
  return cat(dtype_name(c.dtype), " m=", c.m, " n=", c.n, " k=", c.k, " ta=", c.transpose_a, " tb=", c.transpose_b,
             " alpha=", c.alpha, " beta=", c.beta, " batch=", c.batch, " shared_a=", c.shared_a,
             " shared_b=", c.shared_b);
}

// Buffers: a, b (inputs), c (output, read when beta != 0).
Kernel gemm_kernel(const GemmCase& c, const std::string& name) {
  Kernel k;
  k.name = name;
  Gemm g;
  g.m = c.m, g.n_cols = c.n, g.k = c.k;
  g.transpose_a = c.transpose_a, g.transpose_b = c.transpose_b;
  g.lda = c.transpose_a ? c.m : c.k;
  g.ldb = c.transpose_b ? c.k : c.n;
  g.ldc = c.n;
  g.alpha = c.alpha, g.beta = c.beta;
  g.batch = c.batch;
  g.a_batch_stride = c.shared_a ? 0 : c.m * c.k;
  g.b_batch_stride = c.shared_b ? 0 : c.k * c.n;
  g.c_batch_stride = c.m * c.n;
  const int64_t a_size = c.shared_a ? c.m * c.k : c.batch * c.m * c.k;
  const int64_t b_size = c.shared_b ? c.k * c.n : c.batch * c.k * c.n;
  g.a = k.add_buffer({"a", c.dtype, a_size, BufferRole::input, 0});
  g.b = k.add_buffer({"b", c.dtype, b_size, BufferRole::input, 1});
  g.c = k.add_buffer({"c", c.dtype, c.batch * c.m * c.n, BufferRole::output, 2});
  k.body.push_back(make_gemm(g));
  return k;
}

struct GemmData {
  std::vector<double> a, b, c;  // values as drawn (exactly representable in the dtype)
};

GemmData random_data(const GemmCase& c, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> real(-2, 2);
  auto draw = [&](int64_t count) {
    std::vector<double> v(static_cast<size_t>(count));
    for (double& x : v) x = c.dtype == DType::f32 ? static_cast<float>(real(rng)) : real(rng);
    return v;
  };
  GemmData d;
  d.a = draw(c.shared_a ? c.m * c.k : c.batch * c.m * c.k);
  d.b = draw(c.shared_b ? c.k * c.n : c.batch * c.k * c.n);
  d.c = draw(c.batch * c.m * c.n);
  return d;
}

// C = alpha * op(A) op(B) + beta * C in double, straight from the definition.
std::vector<double> reference(const GemmCase& c, const GemmData& d) {
  std::vector<double> out(d.c.size());
  for (int64_t s = 0; s < c.batch; ++s) {
    const double* a = d.a.data() + (c.shared_a ? 0 : s * c.m * c.k);
    const double* b = d.b.data() + (c.shared_b ? 0 : s * c.k * c.n);
    for (int64_t i = 0; i < c.m; ++i)
      for (int64_t j = 0; j < c.n; ++j) {
        double sum = 0;
        for (int64_t p = 0; p < c.k; ++p)
          sum += (c.transpose_a ? a[p * c.m + i] : a[i * c.k + p]) * (c.transpose_b ? b[j * c.k + p] : b[p * c.n + j]);
        const size_t at = static_cast<size_t>((s * c.m + i) * c.n + j);
        out[at] = c.alpha * sum + (c.beta == 0 ? 0.0 : c.beta * d.c[at]);
      }
  }
  return out;
}

template <typename T>
std::vector<unsigned char> run_typed(cpu::KernelFn fn, const GemmData& d, const graphc_cpu_runtime* rt) {
  std::vector<T> a(d.a.begin(), d.a.end()), b(d.b.begin(), d.b.end()), c(d.c.begin(), d.c.end());
  void* buffers[] = {a.data(), b.data(), c.data()};
  fn(buffers, 1, rt);
  std::vector<unsigned char> bytes(c.size() * sizeof(T));
  std::memcpy(bytes.data(), c.data(), bytes.size());
  return bytes;
}

// C's bytes after running the kernel on d (C starts as d.c, or NaN when beta
// is 0, so that a read of C would show).
std::vector<unsigned char> run(const GemmCase& c, cpu::KernelFn fn, GemmData d, const graphc_cpu_runtime* rt) {
  if (c.beta == 0) std::fill(d.c.begin(), d.c.end(), std::nan(""));
  return c.dtype == DType::f32 ? run_typed<float>(fn, d, rt) : run_typed<double>(fn, d, rt);
}

double element(const GemmCase& c, const std::vector<unsigned char>& bytes, size_t i) {
  if (c.dtype == DType::f32) {
    float x;
    std::memcpy(&x, bytes.data() + i * sizeof(float), sizeof x);
    return x;
  }
  double x;
  std::memcpy(&x, bytes.data() + i * sizeof(double), sizeof x);
  return x;
}

// Compiles every case into one module, runs each with 3 threads against the
// reference, and with 1 thread for bit-identity.
void check_cases(const std::vector<GemmCase>& cases, const cpu::CpuTarget& target = cpu::CpuTarget::host()) {
  std::vector<Kernel> kernels;
  for (size_t i = 0; i < cases.size(); ++i) kernels.push_back(gemm_kernel(cases[i], cat("gemm_case_", i)));
  cpu::JitModule module = shared_jit().add(cpu::emit_module(kernels, "gemm_cases", target));
  static runtime::cpu::ThreadPool one(1), three(3);
  for (size_t i = 0; i < cases.size(); ++i) {
    const GemmCase& c = cases[i];
    SCOPED_TRACE(describe(c));
    const cpu::KernelFn fn = module.lookup(kernels[i].name);
    const GemmData d = random_data(c, 17 + i);
    const std::vector<double> want = reference(c, d);
    const std::vector<unsigned char> got = run(c, fn, d, three.runtime());
    const double tolerance = c.dtype == DType::f32 ? 1e-4 : 1e-12;
    int reported = 0;
    for (size_t e = 0; e < want.size() && reported < 5; ++e) {
      const double x = element(c, got, e);
      if (std::fabs(x - want[e]) <= tolerance * std::max(1.0, std::fabs(want[e]))) continue;
      ++reported;
      ADD_FAILURE() << "element " << e << ": kernel " << x << ", reference " << want[e];
    }
    EXPECT_TRUE(got == run(c, fn, d, one.runtime())) << "1 and 3 threads differ";
  }
}

TEST(CodegenGemm, AwkwardSizesAroundEveryBlockEdge) {
  check_cases({
      {1, 1, 1},
      {7, 13, 5},
      {14, 32, 16},   // exactly one AVX-512 micro-tile
      {15, 33, 17},   // one past it on every side
      {97, 130, 301}, // primes-ish, more than one KC block
      {300, 257, 520},  // several MC, NC and KC blocks
      {3, 1000, 2},
      {1000, 3, 2},
      {5, 7, 0},      // empty contraction: C = beta * C
  });
}

TEST(CodegenGemm, EveryTransposeCombination) {
  std::vector<GemmCase> cases;
  for (bool ta : {false, true})
    for (bool tb : {false, true}) {
      cases.push_back({37, 45, 29, ta, tb});
      cases.push_back({130, 70, 270, ta, tb});
    }
  check_cases(cases);
}

TEST(CodegenGemm, AlphaAndBeta) {
  check_cases({
      {33, 40, 21, false, false, 0.5, 0},
      {33, 40, 21, false, false, 1, 1},
      {33, 40, 21, true, false, -1.5, 0.25},
      {61, 35, 600, false, true, 2, -1},  // beta with several KC blocks
  });
}

TEST(CodegenGemm, BatchesAndSharedOperands) {
  check_cases({
      {9, 20, 11, false, false, 1, 0, 5},
      {9, 20, 11, false, false, 1, 0, 11, true, false},  // a shared weight, more samples than a chunk
      {9, 20, 11, false, true, 1, 0, 5, false, true},
      {40, 50, 30, true, false, 1, 0.5, 3, true, false},
  });
}

TEST(CodegenGemm, DoublePrecision) {
  check_cases({
      {1, 1, 1, false, false, 1, 0, 1, false, false, DType::f64},
      {7, 13, 5, true, false, 1, 0, 1, false, false, DType::f64},
      {97, 130, 301, false, true, 0.5, 1, 1, false, false, DType::f64},
      {20, 19, 150, true, true, 1, 0, 3, false, true, DType::f64},
  });
}

TEST(CodegenGemm, Avx2TilesOnAnAvx2Target) {
  // 8 f32 / 4 f64 lanes and 16 registers: other micro-tiles, other transposes.
  check_cases({{1, 1, 1},
               {15, 33, 17},
               {97, 130, 301, false, true},
               {37, 45, 29, true, false, 0.5, 1, 3, false, true},
               {20, 19, 150, true, true, 1, 0, 3, false, true, DType::f64}},
              avx2_target());
}

// A Gemm of at most 4 rows against a transposed B (a linear layer at a small
// batch) runs as dot products along k in 16 lanes (gemm_few_rows.h): every
// row count up to 4, K around a chunk of 16 (and below one vector), N not a
// multiple of the column block, alpha and beta, f64, on both targets.
TEST(CodegenGemm, FewRowsAgainstATransposedBAsDotProducts) {
  std::vector<GemmCase> cases;
  for (int64_t m = 1; m <= 4; ++m)
    for (int64_t k : {1, 7, 16, 17, 400}) cases.push_back({m, 13, k, false, true});
  cases.push_back({4, 120, 400, false, true, 0.5, 1});
  cases.push_back({3, 7, 33, false, true, -1, 0.25, 1, false, false, DType::f64});
  cases.push_back({4, 5, 0, false, true, 1, 0.5});  // empty contraction: C = beta * C
  check_cases(cases);
  check_cases(cases, avx2_target());
}

// Against a plain B the few rows run the packed GEMM's chains on B in place
// (gemm_few_rows.h): both A layouts, N around the vectors and the column
// block, K past one KC block (the C update of a later block).
TEST(CodegenGemm, FewRowsAgainstAPlainBInPlace) {
  std::vector<GemmCase> cases;
  for (int64_t m = 1; m <= 4; ++m)
    for (bool ta : {false, true}) cases.push_back({m, 37, 21, ta, false});
  for (int64_t n : {1, 7, 16, 24, 400}) cases.push_back({4, n, 120, false, false});
  cases.push_back({3, 50, 300, false, false, 0.5, 1});   // two KC blocks, with beta
  cases.push_back({2, 33, 17, true, false, -1, 0.25, 1, false, false, DType::f64});
  cases.push_back({4, 5, 0, false, false, 1, 0.5});  // empty contraction: C = beta * C
  check_cases(cases);
  check_cases(cases, avx2_target());
}

// A row of C depends on its row of A alone, and the in-place form sums as
// the packed GEMM does: rows of a 4-row Gemm (in place) are bit for bit
// those of a 5-row one (packed) with the same first rows.
TEST(CodegenGemm, FewRowsInPlaceGiveThePackedGemmsBits) {
  for (bool ta : {false, true}) {
    SCOPED_TRACE(cat("transpose_a ", ta));
    const GemmCase few{4, 45, 300, ta, false, 0.5, 0}, five{5, 45, 300, ta, false, 0.5, 0};
    const std::vector<Kernel> kernels = {gemm_kernel(few, "gemm_four_rows"), gemm_kernel(five, "gemm_five_rows")};
    cpu::JitModule module = shared_jit().add(cpu::emit_module(kernels, cat("gemm_few_vs_packed_", ta)));
    GemmData d5 = random_data(five, 5);
    GemmData d4 = d5;  // A's first 4 rows: op(A) is 5 x K; stored K x 5 when transposed
    d4.a.clear();
    for (int64_t k = 0; ta && k < five.k; ++k)
      for (int64_t i = 0; i < 4; ++i) d4.a.push_back(d5.a[static_cast<size_t>(k * 5 + i)]);
    if (!ta) d4.a.assign(d5.a.begin(), d5.a.begin() + 4 * five.k);
    d4.c.resize(static_cast<size_t>(4 * five.n));
    const std::vector<unsigned char> c4 = run(few, module.lookup("gemm_four_rows"), d4, test_runtime());
    const std::vector<unsigned char> c5 = run(five, module.lookup("gemm_five_rows"), d5, test_runtime());
    EXPECT_EQ(std::memcmp(c4.data(), c5.data(), c4.size()), 0);
  }
}

// The few-row forms read rows of A and B in place, the last chunk along k
// and the last column block masked: with each buffer flush against an
// inaccessible page (after it, then before it) they must not fault and must
// give the bits they give in ordinary memory.
TEST(CodegenGemm, FewRowsReadNothingOutsideTheirOperands) {
  const std::vector<GemmCase> cases = {{4, 13, 17, false, true}, {3, 120, 400, false, true}, {1, 7, 5, false, true},
                                       {4, 37, 21, false, false}, {2, 45, 300, true, false, 0.5, 1}, {1, 3, 9, true, false}};
  for (const bool avx2 : {false, true}) {
    std::vector<Kernel> kernels;
    for (size_t i = 0; i < cases.size(); ++i) kernels.push_back(gemm_kernel(cases[i], cat("gemm_guarded_", i)));
    cpu::JitModule module =
        shared_jit().add(cpu::emit_module(kernels, cat("gemm_guarded_", avx2), avx2 ? avx2_target() : cpu::CpuTarget::host()));
    for (size_t i = 0; i < cases.size(); ++i) {
      const GemmCase& c = cases[i];
      SCOPED_TRACE(describe(c) + (avx2 ? " on AVX2" : " on the host"));
      const GemmData d = random_data(c, 29 + i);
      const std::vector<unsigned char> want = run(c, module.lookup(kernels[i].name), d, test_runtime());
      for (const bool after : {true, false}) {
        std::vector<float> a(d.a.begin(), d.a.end()), b(d.b.begin(), d.b.end()), out(d.c.begin(), d.c.end());
        GuardedBuffer ga(a.size() * sizeof(float), after), gb(b.size() * sizeof(float), after),
            gc(out.size() * sizeof(float), after);
        std::memcpy(ga.data(), a.data(), a.size() * sizeof(float));
        std::memcpy(gb.data(), b.data(), b.size() * sizeof(float));
        std::memcpy(gc.data(), out.data(), out.size() * sizeof(float));
        void* buffers[] = {ga.data(), gb.data(), gc.data()};
        module.lookup(kernels[i].name)(buffers, 1, test_runtime());
        EXPECT_EQ(std::memcmp(gc.data(), want.data(), want.size()), 0) << (after ? "guard after" : "guard before");
      }
    }
  }
}

// Only KC fixes the summation order, and it does not depend on the vector
// width: the AVX2 kernel of a convolution (other tiles, other window
// gathers) must give the host kernel's bits, which conv_codegen_test checks
// against the interpreter.
TEST(CodegenGemm, WindowOperandsGiveTheSameBitsOnAnAvx2Target) {
  Graph g;
  Builder b(g);
  Conv2dOptions strided;
  strided.stride = {2, 1}, strided.padding = {1, 2}, strided.dilation = {1, 2}, strided.groups = 2;
  Conv2dOptions same;
  same.padding = {1, 1};
  std::vector<ValueId> nodes;
  for (const Conv2dOptions& o : {strided, same}) {
    Tensor x = b.input(cat("x", nodes.size()), DType::f32, {kBatch, 4, 19, 13});
    Tensor w = b.parameter(cat("w", nodes.size()), {6, 4 / o.groups, 3, 3}, InitSpec{});
    Tensor y = conv2d(x, w, o);
    Tensor dy = b.input(cat("dy", nodes.size()), DType::f32, y.shape());
    nodes.push_back(y.id());
    nodes.push_back(conv2d_grad_input(dy, w, x.shape(), o).id());
    nodes.push_back(conv2d_grad_weight(x, dy, w.shape(), o).id());
  }
  std::vector<Kernel> kernels;
  for (ValueId v : nodes) kernels.push_back(lower_group(g, make_group(g, {v}), cat("conv_", v)));
  expect_same_bits_on_avx2(kernels, "conv");
}

TEST(CodegenGemm, MatmulOfAwkwardSizesAgainstTheInterpreter) {
  for (auto [m, k, p] : {std::array<int64_t, 3>{13, 301, 97}, {1, 1, 1}, {45, 130, 33}}) {
    SCOPED_TRACE(cat("k=", k, " p=", p));
    Graph g;
    ValueId x = g.add_input("x", {DType::f32, {kBatch, m, k}}, InputRole::data);
    ValueId w = g.add_parameter("w", {p, k}, InitSpec{});
    check_node(g, g.add(OpKind::matmul, {x, w}, {{"transpose_a", false}, {"transpose_b", true}}));
  }
}

}  // namespace
}  // namespace graphc::codegen::testing
