// GEMM and convolution kernels of the CPU backend against OpenBLAS.
//
// Each case JITs the kernel graphc emits (a Gemm statement for the squares,
// the lowered conv2d / conv2d_grad_input / conv2d_grad_weight node for the
// seed models' convolution layers, the three matmuls of some of their Linear
// layers, at batch 128), checks it once against
// cblas_sgemm on the same data where the two compute the same thing, and
// times both with the same thread count, alternating runs (the machine is
// shared and noisy), keeping the best of each. A convolution is compared
// with one sgemm of the same M, N, K (N or K spanning the batch): what an
// im2col + sgemm implementation would pay for its GEMM alone.
//
// usage: gemm_bench [--threads T] [--repeats R] [--filter TEXT]
//   T defaults to every core; only cases whose name contains TEXT run.
// GRAPHC_GEMM_TUNE="mr,nv,mc,nc" overrides the micro-tile (mr rows x nv
// vectors) and cache blocks codegen/cpu/gemm_blocking.cpp picks, for tuning;
// results do not change (KC, which orders the sums, is not a knob).
#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "codegen/cpu/jit.h"
#include "codegen/lower_group.h"
#include "frontend/ops.h"
#include "runtime/cpu/thread_pool.h"

namespace {

using namespace graphc;
using namespace graphc::codegen;

struct Options {
  int threads = 0;
  int repeats = 5;
  std::string filter;
};

double seconds_of(const std::function<void()>& f) {
  const auto start = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::vector<float> random_floats(size_t count, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> real(-1, 1);
  std::vector<float> v(count);
  for (float& x : v) x = real(rng);
  return v;
}

struct Sgemm {
  int64_t m, n, k;
  bool transpose_a = false, transpose_b = false;
};

// The OpenBLAS side: C = op(A) op(B) on its own buffers.
struct BlasCase {
  Sgemm s;
  std::vector<float> a, b, c;
  explicit BlasCase(const Sgemm& shape)
      : s(shape),
        a(random_floats(static_cast<size_t>(shape.m * shape.k), 1)),
        b(random_floats(static_cast<size_t>(shape.k * shape.n), 2)),
        c(static_cast<size_t>(shape.m * shape.n)) {}
  void run() {
    cblas_sgemm(CblasRowMajor, s.transpose_a ? CblasTrans : CblasNoTrans, s.transpose_b ? CblasTrans : CblasNoTrans,
                static_cast<int>(s.m), static_cast<int>(s.n), static_cast<int>(s.k), 1.0f, a.data(),
                static_cast<int>(s.transpose_a ? s.m : s.k), b.data(), static_cast<int>(s.transpose_b ? s.k : s.n),
                0.0f, c.data(), static_cast<int>(s.n));
  }
};

// The graphc side: one kernel with its buffers at batch n.
struct KernelCase {
  cpu::KernelFn fn;
  int64_t n;
  std::vector<std::vector<float>> storage;
  std::vector<void*> pointers;
  KernelCase(const Kernel& k, cpu::KernelFn f, int64_t batch) : fn(f), n(batch) {
    for (size_t i = 0; i < k.buffers.size(); ++i)
      storage.push_back(random_floats(static_cast<size_t>(k.buffers[i].elements.at(batch)), 10 + i));
    for (auto& s : storage) pointers.push_back(s.data());
  }
  void run(const graphc_cpu_runtime* rt) { fn(pointers.data(), n, rt); }
};

struct Bench {
  Options options;
  runtime::cpu::ThreadPool pool;
  cpu::CpuJit jit;
  std::vector<cpu::JitModule> modules;

  explicit Bench(Options o) : options(std::move(o)), pool(options.threads) {
    openblas_set_num_threads(pool.threads());
  }

  cpu::KernelFn compile(const Kernel& k) {
    modules.push_back(jit.add(cpu::emit_module({k}, k.name)));
    return modules.back().lookup(k.name);
  }

  // Best-of-repeats times, the two alternating; prints one line.
  void time(const std::string& name, double flops, KernelCase& mine, BlasCase& blas) {
    double best_mine = 1e30, best_blas = 1e30;
    mine.run(pool.runtime());  // warm-up: page faults, caches
    blas.run();
    for (int r = 0; r < options.repeats; ++r) {
      best_mine = std::min(best_mine, seconds_of([&] { mine.run(pool.runtime()); }));
      best_blas = std::min(best_blas, seconds_of([&] { blas.run(); }));
    }
    const double mine_gflops = flops / best_mine * 1e-9, blas_gflops = flops / best_blas * 1e-9;
    std::printf("%-34s %8.2f ms %7.1f GF/s | openblas %8.2f ms %7.1f GF/s | ratio %.2f\n", name.c_str(),
                best_mine * 1e3, mine_gflops, best_blas * 1e3, blas_gflops, mine_gflops / blas_gflops);
    std::fflush(stdout);
  }

  bool selected(const std::string& name) const {
    return options.filter.empty() || name.find(options.filter) != std::string::npos;
  }

  void square(int64_t size) {
    const std::string name = "sgemm " + std::to_string(size);
    if (!selected(name)) return;
    Kernel k;
    k.name = "bench_sgemm";
    Gemm g;
    g.m = g.n_cols = g.k = size;
    g.lda = g.ldb = g.ldc = size;
    g.a = k.add_buffer({"a", DType::f32, size * size, BufferRole::input, 0});
    g.b = k.add_buffer({"b", DType::f32, size * size, BufferRole::input, 1});
    g.c = k.add_buffer({"c", DType::f32, size * size, BufferRole::output, 2});
    k.body.push_back(make_gemm(g));
    KernelCase mine(k, compile(k), 1);
    BlasCase blas({size, size, size});
    blas.a.assign(mine.storage[0].begin(), mine.storage[0].end());
    blas.b.assign(mine.storage[1].begin(), mine.storage[1].end());
    mine.run(pool.runtime());
    blas.run();
    double worst = 0;
    for (size_t i = 0; i < blas.c.size(); ++i)
      worst = std::max(worst, std::fabs(double(mine.storage[2][i]) - blas.c[i]) / std::max(1.0, std::fabs(double(blas.c[i]))));
    if (worst > 1e-4) std::printf("%s: MISMATCH with openblas, worst relative error %g\n", name.c_str(), worst);
    time(name, 2.0 * double(size) * double(size) * double(size), mine, blas);
  }

  // A Linear layer of a seed model at batch n: y = x W^T, dx = dy W and
  // dW = dy^T x, as the autodiff writes them.
  void linear(const std::string& layer, int64_t in, int64_t out, int64_t n) {
    Graph g;
    Builder b(g);
    Tensor x = b.input("x", DType::f32, {kBatch, in});
    Tensor w = b.parameter("w", {out, in}, InitSpec{});
    Tensor dy = b.input("dy", DType::f32, {kBatch, out});
    const Op ops[] = {{"fwd", matmul(x, w, false, true), {n, out, in, false, true}},
                      {"grad_input", matmul(dy, w), {n, in, out}},
                      {"grad_weight", matmul(dy, x, true, false), {out, in, n, true, false}}};
    run_ops(g, layer, ops, n);
  }

  struct Op {
    const char* what;
    Tensor node;
    Sgemm shape;  // the equivalent single sgemm
  };

  void run_ops(const Graph& g, const std::string& layer, const std::span<const Op> ops, int64_t n) {
    for (const Op& op : ops) {
      const std::string name = layer + " " + op.what;
      if (!selected(name)) continue;
      passes::FusedGroup group;
      group.kind = passes::GroupKind::contraction;
      group.anchor = op.node.id();
      group.nodes = {op.node.id()};
      group.inputs = g.node(op.node.id()).operands;
      group.outputs = {op.node.id()};
      const Kernel k = lower_group(g, group, "bench_op");
      KernelCase mine(k, compile(k), n);
      BlasCase blas(op.shape);
      time(name, 2.0 * double(op.shape.m) * double(op.shape.n) * double(op.shape.k), mine, blas);
    }
  }

  // One conv layer of a seed model: forward and both gradients at batch n.
  void conv(const std::string& layer, int64_t c, int64_t hw, int64_t o, int64_t kernel, int64_t padding, int64_t n) {
    Conv2dOptions opt;
    opt.padding = {padding, padding};
    Graph g;
    Builder b(g);
    Tensor x = b.input("x", DType::f32, {kBatch, c, hw, hw});
    Tensor w = b.parameter("w", {o, c, kernel, kernel}, InitSpec{});
    Tensor y = conv2d(x, w, opt);
    Tensor dy = b.input("dy", DType::f32, y.shape());
    Tensor dx = conv2d_grad_input(dy, w, x.shape(), opt);
    Tensor dw = conv2d_grad_weight(x, dy, w.shape(), opt);
    const int64_t p = y.shape()[2] * y.shape()[3], taps = c * kernel * kernel;
    // Batch folded into N or K.
    const Op ops[] = {{"fwd", y, {o, n * p, taps}},
                      {"grad_input", dx, {c, n * hw * hw, o * kernel * kernel, true, false}},
                      {"grad_weight", dw, {o, taps, n * p, false, true}}};
    run_ops(g, layer, ops, n);
  }
};

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--threads" && i + 1 < argc)
      o.threads = std::atoi(argv[++i]);
    else if (arg == "--repeats" && i + 1 < argc)
      o.repeats = std::max(1, std::atoi(argv[++i]));
    else if (arg == "--filter" && i + 1 < argc)
      o.filter = argv[++i];
    else {
      std::fprintf(stderr, "usage: gemm_bench [--threads T] [--repeats R] [--filter TEXT]\n");
      return 2;
    }
  }
  Bench bench(o);
  std::printf("threads %d, openblas core %s, best of %d\n", bench.pool.threads(), openblas_get_corename(), o.repeats);
  for (int64_t size : {512, 1024, 1536, 2048}) bench.square(size);
  const int64_t n = 128;
  bench.conv("cifar_cnn conv1 3->32 32x32", 3, 32, 32, 3, 1, n);
  bench.conv("cifar_cnn conv2 32->64 32x32", 32, 32, 64, 3, 1, n);
  bench.conv("cifar_cnn conv3 64->128 16x16", 64, 16, 128, 3, 1, n);
  bench.conv("cifar_cnn conv4 128->128 16x16", 128, 16, 128, 3, 1, n);
  bench.conv("cifar_cnn conv5 128->256 8x8", 128, 8, 256, 3, 1, n);
  bench.conv("cifar_cnn conv6 256->256 8x8", 256, 8, 256, 3, 1, n);
  bench.conv("lenet conv1 3->6 32x32", 3, 32, 6, 5, 0, n);
  bench.conv("lenet conv2 6->16 14x14", 6, 14, 16, 5, 0, n);
  bench.linear("mnist_mlp fc1 784->128", 784, 128, n);
  bench.linear("mnist_mlp fc2 128->10", 128, 10, n);
  bench.linear("cifar_cnn fc1 4096->1024", 4096, 1024, n);
  return 0;
}
