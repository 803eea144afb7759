// A trainer carrying CUDA kernels, in-process: the tiny classifier compiled
// for both targets (the CPU kernels through the JIT, the CUDA module through
// NVRTC), its CUDA plan through the program's JSON, and what a user sees on
// a machine without a GPU: --device cuda stops with one clear sentence and
// a non-zero status before any step, --device cpu still trains.
#include <gtest/gtest.h>

#include "codegen/compile_cpu.h"
#include "codegen/cpu/jit.h"
#include "tests/codegen/codegen_test_util.h"
#include "tests/codegen/executor_test_util.h"
#include "runtime/cuda/cuda_availability.h"
#include "tests/runtime/trainer_test_util.h"
#include "tests/scoped_env.h"

#ifdef GRAPHC_HAVE_NVRTC
#include "codegen/cuda/compile_cuda.h"
#endif

namespace graphc::codegen {
namespace {

using namespace runtime::trainer_testing;

// Points GRAPHC_LIBCUDA at a file that does not exist. The driver is opened
// once per process and remembered (cuda_driver()); ctest runs every test in
// a process of its own, but run by hand after the emulated-driver tests the
// driver is already open: then the test says so and skips.
class NoDriver {
 public:
  explicit NoDriver(const TempDir& dir) : env_("GRAPHC_LIBCUDA", dir.file("no-such-libcuda.so.1")) {}
  bool already_opened() const { return runtime::cuda::cuda_unavailable_reason().empty(); }

 private:
  graphc::testing::ScopedEnv env_;
};

#ifdef GRAPHC_HAVE_NVRTC

// The program with both plans, the CPU kernels' table and the CUDA module.
struct TwoTargetTrainer {
  runtime::Program program;
  testing::JitKernelTable cpu;
  cuda::CudaBinary module;
  runtime::LinkedCode code() const { return {cpu.table.data(), module.cubin, module.ptx}; }
};

TwoTargetTrainer two_target_trainer(runtime::Program program) {
  TwoTargetTrainer t;
  const CompiledCpuProgram kernels = compile_cpu(program);
  program.cpu = kernels.plan;
  cuda::NvrtcCompiler compiler;
  cuda::CompiledCudaProgram compiled = cuda::compile_cuda(kernels, program.model, "sm_90", compiler);
  program.cuda = compiled.plan;
  t.module = std::move(compiled.module);
  t.cpu = testing::jit_kernel_table(kernels.kernels, program.model);
  t.program = std::move(program);
  return t;
}

TEST(CudaTrainer, PlanLaunchesEveryKernelAndRoundTripsThroughTheProgram) {
  const TwoTargetTrainer t = two_target_trainer(tiny_classifier_program());
  const runtime::cuda::CudaPlan& plan = *t.program.cuda;
  EXPECT_EQ(plan.arch, "sm_90");
  EXPECT_EQ(plan.kernels.size(), t.cpu.names.size());
  for (const runtime::cuda::CudaKernelLaunches& k : plan.kernels) {
    EXPECT_FALSE(k.launches.empty()) << k.kernel;
    for (const runtime::cuda::CudaLaunch& l : k.launches) {
      EXPECT_EQ(l.function.rfind(k.kernel + "_s", 0), 0u) << l.function;
      EXPECT_NE(t.module.ptx.find(".entry " + l.function), std::string::npos) << l.function;
      EXPECT_GE(l.threads_wanted(16), 1) << l.function;
    }
  }
  // The graphs' calls are the CPU backend's: one lowering for both.
  ASSERT_EQ(plan.train.calls.size(), t.program.cpu->train.calls.size());
  for (size_t i = 0; i < plan.train.calls.size(); ++i)
    EXPECT_EQ(plan.train.calls[i].buffers, t.program.cpu->train.calls[i].buffers);

  const runtime::Program back = runtime::program_from_json_text(runtime::program_to_json_text(t.program));
  ASSERT_TRUE(back.cuda.has_value());
  EXPECT_EQ(back.cuda->arch, plan.arch);
  ASSERT_EQ(back.cuda->kernels.size(), plan.kernels.size());
  for (size_t i = 0; i < plan.kernels.size(); ++i) EXPECT_EQ(back.cuda->kernels[i].launches, plan.kernels[i].launches);
  runtime::Program plain = t.program;
  plain.cuda.reset();
  plain.cpu.reset();
  EXPECT_EQ(back.fingerprint(), plain.fingerprint()) << "how a program is compiled is not what it computes";
}

TEST(CudaTrainer, PlanJsonNamesWhatIsWrong) {
  const TwoTargetTrainer t = two_target_trainer(tiny_classifier_program());
  nlohmann::json j = runtime::cuda::cuda_plan_to_json(*t.program.cuda);
  j["kernels"][1]["launches"][0]["block_threads"] = 4096;
  try {
    runtime::cuda::cuda_plan_from_json(j);
    FAIL() << "accepted 4096 threads a block";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "cuda plan: kernels[1].launches[0].block_threads must be 1 to 1024");
  }
}

TEST(CudaTrainer, WithoutADriverCudaFailsClearlyAndCpuStillTrains) {
  TempDir dir;
  write_tiny_mnist(dir.path().string(), 60, 30);
  const TwoTargetTrainer t = two_target_trainer(tiny_classifier_program());
  const NoDriver no_driver(dir);
  if (no_driver.already_opened()) GTEST_SKIP() << "a driver is open in this process: run this test alone";
  const RunOutput gpu = run(t.program, {"--data", dir.path().string(), "--device", "cuda"}, t.code());
  EXPECT_EQ(gpu.status, 1);
  EXPECT_NE(gpu.err.find("train_tiny_classifier: --device cuda: the NVIDIA driver library "), std::string::npos)
      << gpu.err;
  EXPECT_NE(gpu.err.find("no-such-libcuda.so.1 cannot be loaded"), std::string::npos) << gpu.err;
  EXPECT_NE(gpu.err.find("this machine has no usable NVIDIA driver"), std::string::npos) << gpu.err;
  EXPECT_EQ(gpu.out.find("epoch 1"), std::string::npos) << "no step may run: " << gpu.out;

  const RunOutput cpu = run(t.program, {"--data", dir.path().string(), "--device", "cpu", "--threads", "1"}, t.code());
  EXPECT_EQ(cpu.status, 0) << cpu.err;
  EXPECT_NE(cpu.out.find("compiled kernels on cpu, 1 thread"), std::string::npos) << cpu.out;
  EXPECT_NE(cpu.out.find("test_acc"), std::string::npos) << cpu.out;
}

TEST(CudaTrainer, DefaultDeviceIsTheFirstTarget) {
  TempDir dir;
  write_tiny_mnist(dir.path().string(), 60, 30);
  TwoTargetTrainer t = two_target_trainer(tiny_classifier_program());
  t.program.default_device = "cuda";
  const NoDriver no_driver(dir);
  if (no_driver.already_opened()) GTEST_SKIP() << "a driver is open in this process: run this test alone";
  const RunOutput r = run(t.program, {"--data", dir.path().string()}, t.code());
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("--device cuda: "), std::string::npos) << r.err;
  EXPECT_NE(run(t.program, {"--help"}, t.code()).out.find("interpreter the reference interpreter [cuda]"),
            std::string::npos);
}

#endif  // GRAPHC_HAVE_NVRTC

TEST(CudaTrainer, ATrainerWithoutCudaCodeSaysHowToGetIt) {
  TempDir dir;
  write_tiny_mnist(dir.path().string(), 60, 30);
  const RunOutput r = run(tiny_classifier_program(), {"--data", dir.path().string(), "--device", "cuda"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("--device cuda: this trainer was built without CUDA kernels (use --device cpu, or rebuild it "
                       "with graphc --target cpu,cuda)"),
            std::string::npos)
      << r.err;
}

TEST(CudaTrainer, CheckAgainstTheInterpreterComparesEveryOutput) {
  TempDir dir;
  write_tiny_mnist(dir.path().string(), 60, 30);
  const runtime::Program program = tiny_classifier_program();
  const CompiledCpuProgram kernels = compile_cpu(program);
  runtime::Program compiled = program;
  compiled.cpu = kernels.plan;
  const testing::JitKernelTable table = testing::jit_kernel_table(kernels.kernels, program.model);
  const runtime::LinkedCode code{table.table.data(), {}, {}};

  const RunOutput ok = run(compiled, {"--data", dir.path().string(), "--check-against", "interpreter"}, code);
  EXPECT_EQ(ok.status, 0) << ok.out << ok.err;
  // loss, correct, 4 trainable gradients pairs (fc1, bn, fc2) = 6 gradients, 2 running statistics; eval loss, correct, logits.
  EXPECT_NE(ok.out.find("ok   gradient fc1.weight: "), std::string::npos) << ok.out;
  EXPECT_NE(ok.out.find("ok   state bn.running_mean: "), std::string::npos) << ok.out;
  EXPECT_NE(ok.out.find("ok   eval logits: "), std::string::npos) << ok.out;
  EXPECT_NE(ok.out.find("check passed: 13 of 13 outputs agree"), std::string::npos) << ok.out;
  EXPECT_EQ(ok.out.find("epoch 1"), std::string::npos) << "a check trains nothing: " << ok.out;

  // A tolerance of zero cannot hold for f32 against the f64 interpreter: the check must be able to fail.
  const RunOutput strict = run(
      compiled, {"--data", dir.path().string(), "--check-against", "interpreter", "--check-tolerance", "0"}, code);
  EXPECT_EQ(strict.status, 1) << strict.out;
  EXPECT_NE(strict.out.find("FAIL "), std::string::npos) << strict.out;
  EXPECT_NE(strict.out.find("check FAILED: "), std::string::npos) << strict.out;
}

}  // namespace
}  // namespace graphc::codegen
