// The CUDA C emitter: the CI requirement that every kernel of every zoo
// model (training and eval steps) compiles with NVRTC for sm_90 without an
// error or a warning, one translation unit per model; and the structure of
// the emitted code (kernel names, grid-stride loops, reductions sequential
// inside a thread, the Gemm's tiles). No GPU is needed: nothing runs.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>

#include "codegen/compile_cpu.h"
#include "codegen/cuda/cuda_emitter.h"
#include "codegen/lower_group.h"
#include "frontend/model_registry.h"
#include "runtime/compile_program.h"
#include "tests/codegen/codegen_test_util.h"

#ifdef GRAPHC_HAVE_NVRTC
#include "codegen/cuda/compile_cuda.h"
#include "codegen/cuda/nvrtc_compiler.h"
#endif

namespace graphc::codegen {
namespace {

using cuda::CudaModule;
using cuda::emit_cuda_module;
using testing::make_group;

std::vector<Kernel> zoo_kernels(const std::string& model) {
  const ModelDef& def = get_model(model);
  runtime::Program program = runtime::compile_program(model, build_model(def, Mode::train),
                                                      build_model(def, Mode::eval), def.recipe, 64);
  return compile_cpu(program).kernels;
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

class CudaEmitterZoo : public ::testing::TestWithParam<std::string> {};

// Every kernel of the model, both steps, in one translation unit through
// NVRTC with no cache (compile_with_nvrtc): a warning is an error there.
TEST_P(CudaEmitterZoo, EveryKernelCompilesWithNvrtcForSm90) {
#ifndef GRAPHC_HAVE_NVRTC
  GTEST_SKIP() << "graphc was built without the CUDA toolkit (GRAPHC_HAVE_NVRTC undefined): nothing compiles CUDA C";
#else
  const std::vector<Kernel> kernels = zoo_kernels(GetParam());
  const CudaModule module = emit_cuda_module(kernels);
  size_t statements = 0, packs_wanted = 0, implicit_wanted = 0;
  for (const Kernel& k : kernels) {
    statements += k.body.size();
    for (const Stmt& s : k.body)
      if (s.kind == StmtKind::gemm && cuda::cublas_runs(k, s.gemm)) {
        packs_wanted += (s.gemm.reduce_batch ? 2 : 0) + (!s.gemm.reduce_batch && s.gemm.has_b_window ? 1 : 0);
        implicit_wanted += s.gemm.reduce_batch || s.gemm.has_b_window ? 1 : 0;
      }
  }
  const auto packs = static_cast<size_t>(std::count_if(module.functions.begin(), module.functions.end(), [](const cuda::CudaFunction& f) {
    return f.packs != cuda::CudaFunction::Packs::none;
  }));
  const auto implicit = static_cast<size_t>(std::count_if(
      module.functions.begin(), module.functions.end(), [](const cuda::CudaFunction& f) { return f.implicit_gemm; }));
  ASSERT_GT(module.functions.size(), 0u);
  // At most one launch per statement; packing functions for the convolutions and batch reductions cuBLAS runs,
  // and an implicit GEMM for each of them.
  ASSERT_LE(module.functions.size() - packs - implicit, statements);
  EXPECT_EQ(packs, packs_wanted);
  EXPECT_EQ(implicit, implicit_wanted);
  for (const cuda::CudaFunction& f : module.functions)
    EXPECT_EQ(count(module.source, "void __launch_bounds__(" + std::to_string(f.block_threads) + ") " + f.name + "("),
              1u)
        << f.name;
  // Each kernel's functions under a comment saying what its fused group computes.
  for (const Kernel& k : kernels) {
    EXPECT_FALSE(k.what.empty()) << k.name;
    EXPECT_EQ(count(module.source, "// ---- kernel " + k.name + ": " + k.what + " ----\n"), 1u) << k.name;
  }
  const auto start = std::chrono::steady_clock::now();
  const cuda::CudaBinary binary =
      cuda::compile_with_nvrtc(GetParam() + ".cu", module.source, cuda::module_nvrtc_options("sm_90"));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_GT(binary.cubin.size(), 0u);
  for (const cuda::CudaFunction& f : module.functions)
    EXPECT_NE(binary.ptx.find(".entry " + f.name + "("), std::string::npos) << f.name;
  RecordProperty("nvrtc_seconds", std::to_string(seconds));
#endif
}

INSTANTIATE_TEST_SUITE_P(Zoo, CudaEmitterZoo,
                         ::testing::Values("linreg", "mnist_logreg", "mnist_mlp", "lenet", "cifar_cnn", "resnet18"));

// ---- structure ----

TEST(CudaEmitter, ElementwiseNestIsOneFlattenedGridStrideLoop) {
  Graph g;
  ValueId a = g.add_input("a", {DType::f32, {kBatch, 3, 8}}, InputRole::data);
  ValueId b = g.add_input("b", {DType::f32, {kBatch, 3, 8}}, InputRole::data);
  ValueId sum = g.add(OpKind::add, {a, b});
  ValueId out = g.add(OpKind::relu, {sum});
  const Kernel k = lower_group(g, make_group(g, {sum, out}, {out}), "ew");
  const CudaModule m = emit_cuda_module({k});
  ASSERT_EQ(m.functions.size(), 1u);
  EXPECT_EQ(m.functions[0].name, "ew_s0");
  EXPECT_NE(m.source.find("extern \"C\" __global__ void __launch_bounds__(256) ew_s0(float* b0, float* b1, float* b2, "
                          "long long n)"),
            std::string::npos)
      << m.source;
  EXPECT_NE(m.source.find("t += (long long)gridDim.x * blockDim.x"), std::string::npos) << m.source;
  // The loops (n, and 3 x 8 coalesced into 24 by lowering) are one range: no loop inside the thread.
  EXPECT_NE(m.source.find("const long long total = (n) * 24LL;"), std::string::npos) << m.source;
  const std::string body = m.source.substr(0, m.program_bytes).substr(m.source.find("ew_s0"));
  // Two loops: four elements a thread in 16-byte accesses when every buffer
  // is aligned, else one (24 is a multiple of 4, every access contiguous).
  EXPECT_EQ(count(body, "for ("), 2u) << body;
  EXPECT_NE(body.find("if ((((gc_u64)b0 | (gc_u64)b1 | (gc_u64)b2) & 15) == 0 && true) {"), std::string::npos) << body;
  EXPECT_NE(body.find("q < total / 4"), std::string::npos) << body;
  EXPECT_NE(body.find("gc_v0 = *(const float4*)(b0 + (0LL + 24LL * i0 + i2));"), std::string::npos) << body;
  EXPECT_NE(body.find("*(float4*)(b2 + (0LL + 24LL * i0 + i2)) = gc_w0;"), std::string::npos) << body;
  EXPECT_NE(body.find("gc_w0.w = "), std::string::npos) << body;
  EXPECT_NE(body.find("} else {"), std::string::npos) << body;
  EXPECT_NE(body.find("gc_max("), std::string::npos) << body;  // relu keeps NaN
  ASSERT_EQ(m.functions[0].work.size(), 2u);
  EXPECT_EQ(m.functions[0].threads_wanted(5), 5 * 3 * 8 / 4);
}

// A row whose length is not a multiple of 4, or an operand read across
// rows (a transpose), keeps the scalar loop alone.
TEST(CudaEmitter, NestsThatCannotMoveFourElementsStayScalar) {
  for (const bool transposed : {false, true}) {
    Graph g;
    ValueId a = g.add_input("a", {DType::f32, {kBatch, 6, transposed ? 8 : 7}}, InputRole::data);
    ValueId x = transposed ? g.add(OpKind::transpose, {a}, {{"perm", std::vector<int64_t>{0, 2, 1}}}) : a;
    ValueId out = g.add(OpKind::relu, {x});
    const Kernel k = lower_group(g, make_group(g, transposed ? std::vector<ValueId>{x, out} : std::vector<ValueId>{out},
                                              {out}),
                                 "ew");
    const CudaModule m = emit_cuda_module({k});
    const std::string body = m.source.substr(0, m.program_bytes).substr(m.source.find("ew_s0"));
    EXPECT_EQ(body.find("float4"), std::string::npos) << body;
    EXPECT_EQ(count(body, "for ("), 1u) << body;
  }
}

TEST(CudaEmitter, ReductionLoopIsSequentialInsideAThread) {
  Graph g;
  ValueId x = g.add_input("x", {DType::f32, {kBatch, 100}}, InputRole::data);
  ValueId sq = g.add(OpKind::mul, {x, x});
  ValueId total = g.add(OpKind::reduce_sum, {sq}, {{"axes", std::vector<int64_t>{1}}, {"keepdims", false}});
  const Kernel k = lower_group(g, make_group(g, {sq, total}, {total}), "rowsum");
  const CudaModule m = emit_cuda_module({k});
  ASSERT_EQ(m.functions.size(), 1u);
  const std::string& s = m.source;
  // The rows are the grid-stride range; the 100 terms a loop in the thread, in order, no atomics.
  EXPECT_NE(s.find("const long long total = (n);"), std::string::npos) << s;
  EXPECT_NE(s.find("< 100LL; ++i"), std::string::npos) << s;
  EXPECT_EQ(s.find("atomic"), std::string::npos) << s;
  EXPECT_EQ(m.functions[0].threads_wanted(7), 7);
}

// A batch-norm-like statistic: 64 channels, each a sum over N x 32 values.
// Alone in a thread each would take N*32 sequential steps with 64 threads
// busy; a block per channel splits it 1024 ways and combines the partials
// in a fixed tree, its loop unrolled so that many loads are in flight.
TEST(CudaEmitter, LongReductionIsSharedByABlock) {
  Graph g;
  ValueId x = g.add_input("x", {DType::f32, {kBatch, 64, 32}}, InputRole::data);
  ValueId total = g.add(OpKind::reduce_sum, {x}, {{"axes", std::vector<int64_t>{0, 2}}, {"keepdims", false}});
  const Kernel k = lower_group(g, make_group(g, {total}), "channel_sum");
  const CudaModule m = emit_cuda_module({k});
  ASSERT_EQ(m.functions.size(), 1u);
  const std::string& s = m.source;
  EXPECT_NE(s.find("for (long long t = blockIdx.x; t < total; t += gridDim.x)"), std::string::npos) << s;
  // Eight iterations a pass while all are in range, then the rest one at a time.
  EXPECT_NE(s.find("const long long gc_end = (n) * 32LL;"), std::string::npos) << s;
  EXPECT_NE(s.find("for (; gc_u + 7LL * blockDim.x < gc_end; gc_u += 8LL * blockDim.x) {"), std::string::npos) << s;
  EXPECT_NE(s.find("const long long u = gc_u + 7LL * blockDim.x;"), std::string::npos) << s;
  EXPECT_NE(s.find("for (long long u = gc_u; u < gc_end; u += blockDim.x) {"), std::string::npos) << s;
  EXPECT_NE(s.find("[1024];"), std::string::npos) << s;
  EXPECT_NE(s.find("for (int w = 512; w > 0; w >>= 1)"), std::string::npos) << s;
  EXPECT_NE(s.find("if (threadIdx.x == 0) {"), std::string::npos) << "one thread stores:\n" << s;
  EXPECT_EQ(s.find("atomic"), std::string::npos) << s;
  // One block of 1024 threads per channel.
  EXPECT_NE(s.find("__launch_bounds__(1024)"), std::string::npos) << s;
  EXPECT_EQ(m.functions[0].block_threads, 1024);
  EXPECT_EQ(m.functions[0].threads_wanted(7), 64 * 1024);
}

TEST(CudaEmitter, GemmIsATiledKernelHonouringTransposes) {
  Graph g;
  ValueId a = g.add_input("a", {DType::f32, {kBatch, 5}}, InputRole::data);
  ValueId w = g.add_input("w", {DType::f32, {7, 5}}, InputRole::data);
  ValueId y = g.add(OpKind::matmul, {a, w}, {{"transpose_a", false}, {"transpose_b", true}});
  const Kernel k = lower_group(g, make_group(g, {y}), "mm");
  const CudaModule m = emit_cuda_module({k});
  ASSERT_EQ(m.functions.size(), 1u);
  const std::string s = m.source.substr(0, m.program_bytes);
  EXPECT_NE(s.find("__shared__ float a_tile[16][17];"), std::string::npos) << s;
  EXPECT_EQ(count(s, "__syncthreads();"), 2u) << s;
  EXPECT_NE(s.find("unit += gridDim.x"), std::string::npos) << s;
  // B^T (7 x 5, row stride 5) is read along k by the thread's x and stored transposed.
  EXPECT_NE(s.find("b_tile[tx][ty] = (k < K && c < NC) ? b1[b_base + c * 5LL + k]"), std::string::npos) << s;
  // beta = 0: C is written, never read.
  EXPECT_NE(s.find("b2[at] = acc;"), std::string::npos) << s;
}

TEST(CudaEmitter, IdenticalFunctionsShareOneCompiledBody) {
  Graph g;
  ValueId a = g.add_input("a", {DType::f32, {kBatch, 4}}, InputRole::data);
  ValueId e = g.add(OpKind::exp, {a});
  const Kernel first = lower_group(g, make_group(g, {e}), "first");
  const Kernel second = lower_group(g, make_group(g, {e}), "second");
  const CudaModule m = emit_cuda_module({first, second});
  ASSERT_EQ(m.functions.size(), 2u);
  EXPECT_EQ(count(m.source, "__device__ __noinline__ void gc_shared_0(float* b0, float* b1, long long n)"), 1u)
      << m.source;
  EXPECT_EQ(count(m.source, "  gc_shared_0(b0, b1, n);\n"), 2u) << m.source;
  EXPECT_NE(m.source.find("expf("), std::string::npos) << m.source;
}

TEST(CudaEmitter, Fp16BuffersAreRefusedWithAMessage) {
  Kernel k;
  k.name = "half";
  k.add_buffer({"%0", DType::f16, SizeExpr(4), BufferRole::input, 0});
  k.body.push_back(make_loop(k.new_var(), SizeExpr(4), {}, true));
  EXPECT_THROW(emit_cuda_module({k}), Error);
}

}  // namespace
}  // namespace graphc::codegen
