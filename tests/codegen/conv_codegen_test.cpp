// conv2d and its two gradients as implicit GEMMs, against the interpreter:
// strides 1/2, padding 0/1/2, dilation 1/2, groups 1/2, kernels 1/3/5,
// non-square images and kernels, several micro-tiles and KC blocks, both
// ways of gathering the window (one masked load per grid row, or a gather),
// both ways of computing grad_input (the transposed window, or col2im for
// few input channels at stride 1), both ways of computing grad_weight (the
// packed GEMM, or directly for few output channels), both ways of computing
// the forward (the packed GEMM, or directly for few output channels, which
// must give the packed GEMM's bits, and whose flattened rows must read
// nothing outside the image: buffers flush against guard pages); and conv +
// bias + relu fused into one kernel.
#include <algorithm>
#include <cstring>
#include <memory>
#include <random>

#include "codegen/cpu/direct_conv.h"
#include "codegen/cpu/llvm_module.h"
#include "codegen/cpu/window_weight_grad.h"
#include "frontend/ops.h"
#include "runtime/cpu/thread_pool.h"
#include "tests/codegen/codegen_test_util.h"

namespace graphc::codegen::testing {
namespace {

struct ConvCase {
  int64_t c, h, w, o, kh, kw;
  Conv2dOptions options;
};

std::string describe(const ConvCase& k) {
  const Conv2dOptions& o = k.options;
  return cat("C=", k.c, " H=", k.h, " W=", k.w, " O=", k.o, " kernel=", k.kh, "x", k.kw, " stride=", o.stride[0], ",",
             o.stride[1], " padding=", o.padding[0], ",", o.padding[1], " dilation=", o.dilation[0], ",",
             o.dilation[1], " groups=", o.groups);
}

Conv2dOptions options(std::vector<int64_t> stride, std::vector<int64_t> padding, std::vector<int64_t> dilation,
                      int64_t groups) {
  Conv2dOptions o;
  o.stride = std::move(stride), o.padding = std::move(padding), o.dilation = std::move(dilation), o.groups = groups;
  return o;
}

const std::vector<ConvCase>& cases() {
  static const std::vector<ConvCase> all = {
      {3, 8, 8, 4, 3, 3, options({1, 1}, {1, 1}, {1, 1}, 1)},
      {4, 9, 7, 6, 3, 3, options({2, 2}, {1, 1}, {1, 1}, 2)},
      {2, 11, 10, 3, 5, 5, options({1, 1}, {2, 2}, {1, 1}, 1)},
      {4, 10, 9, 4, 3, 3, options({1, 1}, {2, 2}, {2, 2}, 2)},
      {5, 6, 6, 7, 1, 1, options({2, 2}, {0, 0}, {1, 1}, 1)},
      {3, 12, 13, 5, 3, 5, options({2, 1}, {1, 2}, {1, 2}, 1)},
      {6, 20, 20, 34, 3, 3, options({1, 1}, {1, 1}, {1, 1}, 1)},  // rows of 20: one masked load per vector
      {32, 6, 8, 16, 3, 3, options({1, 1}, {1, 1}, {1, 1}, 1)},   // K = 288: two KC blocks
      {6, 14, 14, 16, 5, 5, options({1, 1}, {0, 0}, {1, 1}, 1)},  // lenet's conv2
      // Rows of 10 and 14: the direct forms' vectors run on across rows.
      {2, 10, 10, 3, 3, 3, options({1, 1}, {1, 1}, {1, 1}, 1)},
      {3, 12, 10, 5, 3, 3, options({2, 1}, {1, 1}, {1, 1}, 1)},
      {2, 9, 14, 4, 3, 3, options({1, 1}, {1, 2}, {1, 2}, 1)},
      {3, 7, 12, 6, 5, 3, options({1, 1}, {2, 1}, {1, 1}, 1)},
  };
  return all;
}

// conv2d of a case on an input x, and dy shaped like its output.
struct ConvGraph {
  explicit ConvGraph(const ConvCase& k)
      : x(b.input("x", DType::f32, {kBatch, k.c, k.h, k.w})),
        w(b.parameter("w", {k.o, k.c / k.options.groups, k.kh, k.kw}, InitSpec{})),
        y(conv2d(x, w, k.options)),
        dy(b.input("dy", DType::f32, y.shape())) {}
  ConvGraph(const ConvGraph&) = delete;
  ConvGraph& operator=(const ConvGraph&) = delete;

  Graph g;
  Builder b{g};
  Tensor x, w, y, dy;
};

enum class Which { forward, grad_input, grad_weight };

void check(Which which) {
  for (const ConvCase& k : cases()) {
    SCOPED_TRACE(describe(k));
    ConvGraph c(k);
    Tensor result = c.y;
    if (which == Which::grad_input) result = conv2d_grad_input(c.dy, c.w, c.x.shape(), k.options);
    if (which == Which::grad_weight) result = conv2d_grad_weight(c.x, c.dy, c.w.shape(), k.options);
    check_node(c.g, result.id());
  }
}

TEST(CodegenConv, Forward) { check(Which::forward); }
TEST(CodegenConv, GradInput) { check(Which::grad_input); }
TEST(CodegenConv, GradWeightSumsOverTheBatch) { check(Which::grad_weight); }

size_t scratch_buffers(const Kernel& k) {
  return static_cast<size_t>(
      std::count_if(k.buffers.begin(), k.buffers.end(), [](const Buffer& b) { return b.role == BufferRole::scratch; }));
}

// lenet's conv2 grad_input (6 input channels) is a plain GEMM into col2im
// scratch and a gather; 32 input channels, or a stride of 2, keep the
// transposed window (the GEMM reads dy through it, after the weight's
// transpose into scratch).
TEST(CodegenConv, GradInputOfFewChannelsGoesByCol2im) {
  struct Expect {
    ConvCase conv;
    bool col2im;
  };
  for (const Expect& e : {Expect{{6, 14, 14, 16, 5, 5, options({1, 1}, {0, 0}, {1, 1}, 1)}, true},
                          Expect{{32, 6, 8, 16, 3, 3, options({1, 1}, {1, 1}, {1, 1}, 1)}, false},
                          Expect{{4, 9, 7, 6, 3, 3, options({2, 2}, {1, 1}, {1, 1}, 2)}, false}}) {
    const ConvCase& k = e.conv;
    SCOPED_TRACE(describe(k));
    ConvGraph c(k);
    Tensor dx = conv2d_grad_input(c.dy, c.w, c.x.shape(), k.options);
    const Kernel kernel = lower_group(c.g, make_group(c.g, {dx.id()}));
    const Stmt* gemm = nullptr;
    for (const Stmt& s : kernel.body)
      if (s.kind == StmtKind::gemm) gemm = &s;
    ASSERT_NE(gemm, nullptr) << print_kernel(kernel);
    EXPECT_EQ(gemm->gemm.has_b_window, !e.col2im) << print_kernel(kernel);
    EXPECT_EQ(kernel.body.size(), 2u) << print_kernel(kernel);  // col2im: gemm, gather; window: transpose, gemm
    EXPECT_EQ(scratch_buffers(kernel), 1u) << print_kernel(kernel);
  }
}

// lenet's two weight gradients (6 and 16 output channels, rows of 28 and
// 10) are computed directly on the CPU (codegen/cpu/window_weight_grad.h);
// 34 output channels, or rows of 6, keep the packed GEMM. Whether the direct
// form applies never depends on the target, so every target sums alike; the
// channel block follows the registers (AVX-512's 32, AVX2's 16).
TEST(CodegenConv, WeightGradientsOfFewChannelsAreDirect) {
  struct Expect {
    ConvCase conv;
    int64_t avx512_block, avx2_block;  // output channels per unit, 0 for the packed GEMM
  };
  const cpu::CpuTarget avx512 = cpu::CpuTarget::named("skylake-avx512"), avx2 = cpu::CpuTarget::named("x86-64-v3");
  for (const Expect& e : {Expect{{3, 32, 32, 6, 5, 5, options({1, 1}, {0, 0}, {1, 1}, 1)}, 3, 2},
                          Expect{{6, 14, 14, 16, 5, 5, options({1, 1}, {0, 0}, {1, 1}, 1)}, 4, 2},
                          Expect{{6, 20, 20, 34, 3, 3, options({1, 1}, {1, 1}, {1, 1}, 1)}, 0, 0},
                          Expect{{4, 6, 6, 7, 3, 3, options({1, 1}, {1, 1}, {1, 1}, 1)}, 0, 0}}) {
    const ConvCase& k = e.conv;
    SCOPED_TRACE(describe(k));
    ConvGraph c(k);
    const Kernel kernel = lower_group(c.g, make_group(c.g, {conv2d_grad_weight(c.x, c.dy, c.w.shape(), k.options).id()}));
    ASSERT_EQ(kernel.body.size(), 1u) << print_kernel(kernel);
    ASSERT_EQ(kernel.body[0].kind, StmtKind::gemm);
    EXPECT_EQ(cpu::window_weight_grad_block(avx512, DType::f32, kernel.body[0].gemm), e.avx512_block);
    EXPECT_EQ(cpu::window_weight_grad_block(avx2, DType::f32, kernel.body[0].gemm), e.avx2_block);
  }
}

Gemm only_gemm(const Kernel& kernel) {
  EXPECT_EQ(kernel.body.size(), 1u) << print_kernel(kernel);
  EXPECT_EQ(kernel.body.at(0).kind, StmtKind::gemm) << print_kernel(kernel);
  return kernel.body.at(0).gemm;
}

// A weight gradient sums the batch in runs whose number the shapes decide
// (lower_conv.cpp): 8 for a small dw, fewer when 8 partials of dw would pass
// 16 MiB, none for a dw that alone is 16 MiB or more. Runs that are uneven or
// empty (batches of 1, 5 and 13 in 8 runs) still give the interpreter's dw;
// neither the thread count nor the vector width changes a bit.
TEST(CodegenConv, WeightGradientSumsTheBatchInRuns) {
  struct Expect {
    ConvCase conv;
    int64_t runs;
  };
  for (const Expect& e : {Expect{{6, 20, 20, 34, 3, 3, options({1, 1}, {1, 1}, {1, 1}, 1)}, 8},
                          Expect{{256, 2, 2, 256, 3, 3, options({1, 1}, {1, 1}, {1, 1}, 1)}, 7},
                          Expect{{512, 2, 2, 1024, 3, 3, options({1, 1}, {1, 1}, {1, 1}, 1)}, 1}}) {
    const ConvCase& k = e.conv;
    SCOPED_TRACE(describe(k));
    ConvGraph c(k);
    Tensor dw = conv2d_grad_weight(c.x, c.dy, c.w.shape(), k.options);
    const Kernel kernel = lower_group(c.g, make_group(c.g, {dw.id()}));
    const Gemm gemm = only_gemm(kernel);
    EXPECT_EQ(gemm.reduce_runs, e.runs);
    EXPECT_EQ(scratch_buffers(kernel), e.runs > 1 ? 1u : 0u) << print_kernel(kernel);
    if (e.runs == 1) continue;
    const Buffer& partials = kernel.buffers.at(static_cast<size_t>(gemm.partials));
    EXPECT_EQ(partials.elements.at(1), e.runs * c.w.shape().static_numel());
    if (e.runs != 8) continue;
    check_group_against_interpreter(c.g, make_group(c.g, {dw.id()}), {1, 5, 13});
    expect_same_bits_on_avx2({kernel}, "weight_gradient_runs");

    cpu::JitModule module = shared_jit().add(cpu::emit_module({kernel}, "weight_gradient_runs_threads"));
    const int64_t n = 13;
    std::vector<std::vector<float>> buffers;
    std::mt19937_64 rng(3);
    std::uniform_real_distribution<float> real(-2, 2);
    for (const Buffer& buffer : kernel.buffers) {
      buffers.emplace_back(static_cast<size_t>(buffer.elements.at(n)));
      for (float& v : buffers.back()) v = real(rng);
    }
    std::vector<void*> pointers;
    for (std::vector<float>& buffer : buffers) pointers.push_back(buffer.data());
    const size_t out = static_cast<size_t>(gemm.c);
    module.lookup(kernel.name)(pointers.data(), n, test_runtime());
    const std::vector<float> three_threads = buffers[out];
    runtime::cpu::ThreadPool one(1);
    module.lookup(kernel.name)(pointers.data(), n, one.runtime());
    EXPECT_EQ(std::memcmp(three_threads.data(), buffers[out].data(), three_threads.size() * sizeof(float)), 0);
  }
}


// lenet's two convolutions (6 and 16 output channels) run directly on the
// CPU (codegen/cpu/direct_conv.h) on AVX-512 and AVX2 targets alike, in
// blocks that fit the target's registers, their rows of 28 and 10 flattened
// into vectors that run on across rows (grid_layout.h); 34 output channels,
// K = 288 (more than one KC block) or a stride of 2 along x keep the packed
// GEMM.
TEST(CodegenConv, ForwardOfFewChannelsIsDirect) {
  struct Expect {
    ConvCase conv;
    bool direct, flattened;
  };
  for (const bool avx2 : {false, true}) {
    const cpu::CpuTarget target = avx2 ? avx2_target() : cpu::CpuTarget::named("skylake-avx512");
    for (const Expect& e : {Expect{{3, 32, 32, 6, 5, 5, options({1, 1}, {0, 0}, {1, 1}, 1)}, true, true},
                            Expect{{6, 14, 14, 16, 5, 5, options({1, 1}, {0, 0}, {1, 1}, 1)}, true, true},
                            Expect{{3, 12, 13, 5, 3, 5, options({2, 1}, {1, 2}, {1, 2}, 1)}, true, true},
                            Expect{{6, 20, 20, 34, 3, 3, options({1, 1}, {1, 1}, {1, 1}, 1)}, false, false},
                            Expect{{32, 6, 8, 16, 3, 3, options({1, 1}, {1, 1}, {1, 1}, 1)}, false, false},
                            Expect{{4, 9, 7, 6, 3, 3, options({2, 2}, {1, 1}, {1, 1}, 2)}, false, false}}) {
      const ConvCase& k = e.conv;
      SCOPED_TRACE(describe(k) + (avx2 ? " on AVX2" : " on AVX-512"));
      ConvGraph c(k);
      const Gemm gemm = only_gemm(lower_group(c.g, make_group(c.g, {c.y.id()})));
      const cpu::DirectConvBlocking blocking = cpu::direct_conv_blocking(target, DType::f32, gemm);
      EXPECT_EQ(blocking.channels > 0, e.direct);
      if (!e.direct) continue;
      EXPECT_EQ(blocking.layout.flattened(), e.flattened);
      EXPECT_EQ(blocking.lanes, avx2 ? 8 : 16);
      const int64_t registers = avx2 ? 16 : 32, blend = e.flattened ? 1 : 0;
      EXPECT_LE(blocking.channels * blocking.vectors + blocking.vectors + 1 + blend, registers);
    }
  }
}

// The direct forward computes each output as the packed GEMM does (one fma
// chain over k ascending, padding taps included), so a layer's outputs do
// not depend on how many channels it has: the 6 channels of a direct conv
// are bit for bit the first 6 of a packed one with the same first weights.
TEST(CodegenConv, DirectForwardGivesThePackedGemmsBits) {
  struct Case {
    int64_t h, w;
    Conv2dOptions options;
  };
  for (const Case& c : {Case{12, 21, options({1, 1}, {2, 2}, {1, 1}, 1)}, Case{12, 21, options({2, 1}, {1, 2}, {1, 2}, 1)},
                        Case{12, 10, options({1, 1}, {2, 2}, {1, 1}, 1)}}) {
    const Conv2dOptions& o = c.options;
    SCOPED_TRACE(cat(c.h, "x", c.w, " stride ", o.stride[0]));
    Graph g;
    Builder b(g);
    Tensor x = b.input("x", DType::f32, {kBatch, 3, c.h, c.w});
    Tensor w_few = b.parameter("w_few", {6, 3, 5, 5}, InitSpec{});
    Tensor w_many = b.parameter("w_many", {34, 3, 5, 5}, InitSpec{});
    Tensor y_few = conv2d(x, w_few, o), y_many = conv2d(x, w_many, o);
    const std::vector<Kernel> kernels = {lower_group(g, make_group(g, {y_few.id()}), "direct"),
                                         lower_group(g, make_group(g, {y_many.id()}), "packed")};
    const cpu::CpuTarget host = cpu::CpuTarget::host();
    ASSERT_GT(cpu::direct_conv_blocking(host, DType::f32, only_gemm(kernels[0])).channels, 0);
    ASSERT_EQ(cpu::direct_conv_blocking(host, DType::f32, only_gemm(kernels[1])).channels, 0);
    cpu::JitModule module = shared_jit().add(cpu::emit_module(kernels, cat("direct_vs_packed_", c.h, "x", c.w, "_", o.stride[0])));

    const int64_t n = 3, taps = 3 * 5 * 5;
    std::mt19937_64 rng(11);
    std::uniform_real_distribution<float> real(-2, 2);
    std::vector<float> image(static_cast<size_t>(n * x.shape().static_numel()));
    std::vector<float> weights(static_cast<size_t>(34 * taps));
    for (float& v : image) v = real(rng);
    for (float& v : weights) v = real(rng);
    const int64_t plane = y_few.shape().static_numel() / 6;  // output pixels per channel
    std::vector<float> out_few(static_cast<size_t>(n * 6 * plane)), out_many(static_cast<size_t>(n * 34 * plane));
    auto run = [&](const Kernel& k, ValueId w, ValueId y, std::vector<float>& out) {
      std::vector<void*> pointers;
      for (const Buffer& buffer : k.buffers)
        pointers.push_back(buffer.value == x.id() ? static_cast<void*>(image.data())
                           : buffer.value == w    ? static_cast<void*>(weights.data())
                           : buffer.value == y    ? static_cast<void*>(out.data())
                                                  : nullptr);
      ASSERT_EQ(std::count(pointers.begin(), pointers.end(), nullptr), 0) << print_kernel(k);
      module.lookup(k.name)(pointers.data(), n, test_runtime());
    };
    run(kernels[0], w_few.id(), y_few.id(), out_few);
    run(kernels[1], w_many.id(), y_many.id(), out_many);
    for (int64_t s = 0; s < n; ++s)
      EXPECT_EQ(std::memcmp(&out_few[static_cast<size_t>(s * 6 * plane)], &out_many[static_cast<size_t>(s * 34 * plane)],
                            static_cast<size_t>(6 * plane) * sizeof(float)),
                0)
          << "sample " << s << ", stride " << o.stride[0];
  }
}

// The direct forms read their image through plain vector loads that run
// past a grid row, kept only where the rows a band can start at prove them
// inside the image plane (window_reader.h); everything else is masked. With
// every buffer flush against an inaccessible page, after it and then before
// it, the kernels must not fault and must give the bits they give in
// ordinary memory: padded and unpadded windows, rows flattened or not, at
// batch 1 (the last plane is the buffer's end) and 3, on the host and AVX2.
TEST(CodegenConv, DirectFormsReadNothingOutsideTheirOperands) {
  const std::vector<ConvCase> convs = {
      {6, 14, 14, 16, 5, 5, options({1, 1}, {0, 0}, {1, 1}, 1)},  // lenet's conv2
      {3, 32, 32, 6, 5, 5, options({1, 1}, {0, 0}, {1, 1}, 1)},   // lenet's conv1
      {2, 10, 10, 3, 3, 3, options({1, 1}, {1, 1}, {1, 1}, 1)},
      {3, 12, 10, 5, 3, 3, options({2, 1}, {1, 1}, {1, 1}, 1)},
      {2, 9, 14, 4, 3, 3, options({1, 1}, {1, 2}, {1, 2}, 1)},
      {3, 7, 12, 6, 5, 3, options({1, 1}, {2, 1}, {1, 1}, 1)},
  };
  for (const bool avx2 : {false, true}) {
    const cpu::CpuTarget target = avx2 ? avx2_target() : cpu::CpuTarget::host();
    for (size_t i = 0; i < convs.size(); ++i) {
      const ConvCase& k = convs[i];
      SCOPED_TRACE(describe(k) + (avx2 ? " on AVX2" : " on the host"));
      ConvGraph c(k);
      const std::vector<Kernel> kernels = {
          lower_group(c.g, make_group(c.g, {c.y.id()}), "forward"),
          lower_group(c.g, make_group(c.g, {conv2d_grad_weight(c.x, c.dy, c.w.shape(), k.options).id()}), "grad_weight")};
      ASSERT_GT(cpu::direct_conv_blocking(target, DType::f32, only_gemm(kernels[0])).channels, 0);
      ASSERT_GT(cpu::window_weight_grad_block(target, DType::f32, kernels[1].body.back().gemm), 0);
      cpu::JitModule module = shared_jit().add(cpu::emit_module(kernels, cat("direct_guarded_", avx2, "_", i), target));
      for (const Kernel& kernel : kernels)
        for (const int64_t n : {int64_t{1}, int64_t{3}}) {
          SCOPED_TRACE(cat(kernel.name, " at batch ", n));
          std::vector<std::vector<float>> values;
          std::mt19937_64 rng(7);
          std::uniform_real_distribution<float> real(-2, 2);
          for (const Buffer& buffer : kernel.buffers) {
            values.emplace_back(static_cast<size_t>(buffer.elements.at(n)));
            for (float& v : values.back()) v = real(rng);
          }
          auto run = [&](int guard) {  // 0: ordinary memory, 1: guard after, 2: guard before
            std::vector<std::unique_ptr<GuardedBuffer>> guarded;
            std::vector<std::vector<float>> plain = values;
            std::vector<void*> pointers;
            for (size_t j = 0; j < values.size(); ++j) {
              if (guard == 0) {
                pointers.push_back(plain[j].data());
                continue;
              }
              guarded.push_back(std::make_unique<GuardedBuffer>(values[j].size() * sizeof(float), guard == 1));
              std::memcpy(guarded.back()->data(), values[j].data(), values[j].size() * sizeof(float));
              pointers.push_back(guarded.back()->data());
            }
            module.lookup(kernel.name)(pointers.data(), n, test_runtime());
            std::vector<std::vector<float>> out;
            for (size_t j = 0; j < values.size(); ++j) {
              const float* p = static_cast<const float*>(pointers[j]);
              out.emplace_back(p, p + values[j].size());
            }
            return out;
          };
          const std::vector<std::vector<float>> want = run(0);
          for (int guard : {1, 2}) {
            const std::vector<std::vector<float>> got = run(guard);
            for (size_t j = 0; j < got.size(); ++j) {
              if (kernel.buffers[j].role != BufferRole::output) continue;
              EXPECT_EQ(std::memcmp(got[j].data(), want[j].data(), got[j].size() * sizeof(float)), 0)
                  << kernel.buffers[j].name << ", guard " << (guard == 1 ? "after" : "before");
            }
          }
        }
    }
  }
}

TEST(CodegenConv, BiasAndReluEpilogueInOneKernel) {
  Graph g;
  Builder b(g);
  Tensor x = b.input("x", DType::f32, {kBatch, 3, 10, 10});
  Tensor w = b.parameter("w", {8, 3, 3, 3}, InitSpec{});
  Tensor bias = b.parameter("bias", {8}, InitSpec{});
  Tensor y = conv2d(x, w, options({1, 1}, {1, 1}, {1, 1}, 1));
  Tensor bias_column = reshape(bias, {8, 1, 1});
  Tensor biased = y + bias_column;
  Tensor h = relu(biased);
  passes::FusedGroup group =
      make_group(g, {y.id(), bias_column.id(), biased.id(), h.id()}, {h.id()}, passes::GroupKind::contraction);
  group.anchor = y.id();
  const Kernel k = lower_group(g, group);
  ASSERT_EQ(k.body.size(), 2u) << print_kernel(k);
  EXPECT_EQ(k.body[0].kind, StmtKind::gemm);
  EXPECT_TRUE(k.body[0].gemm.has_b_window);
  check_group_against_interpreter(g, group);
}

}  // namespace
}  // namespace graphc::codegen::testing
