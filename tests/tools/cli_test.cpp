// The graphc command line as a user drives it: listing, dumping, the JSON
// round trip through files, and clear failures on bad input.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace {

const std::string kGraphc = std::string(GRAPHC_BINARY_DIR) + "/bin/graphc";
const std::vector<std::string> kModels{"cifar_cnn", "lenet", "linreg", "mnist_logreg", "mnist_mlp", "resnet18"};

struct Result {
  int status;
  std::string out;  // stdout and stderr together
};

// A shell command's status and its stdout and stderr together.
Result run_program(const std::string& command) {
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  EXPECT_NE(p, nullptr);
  std::string out;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

Result run(const std::string& args) { return run_program(kGraphc + " " + args); }

int count_occurrences(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("graphc_cli_" + std::to_string(getpid()) + "_" + name)).string();
}

TEST(Cli, ListsTheSixModels) {
  Result r = run("--list-models");
  ASSERT_EQ(r.status, 0) << r.out;
  for (const auto& m : kModels) EXPECT_NE(r.out.find(m + " "), std::string::npos) << m << " missing from:\n" << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 6);
}

TEST(Cli, HelpAndVersion) {
  EXPECT_EQ(run("--help").status, 0);
  Result v = run("--version");
  EXPECT_EQ(v.status, 0);
  EXPECT_EQ(v.out.rfind("graphc ", 0), 0u);
}

TEST(Cli, DumpIrShowsBatchSymbolAndSubstitutesBatchSize) {
  Result r = run("--model mnist_mlp --dump-ir");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("input %0 x : f32[N,1,28,28] (data)"), std::string::npos) << r.out;
  Result b = run("--model mnist_mlp --dump-ir --batch-size 32");
  ASSERT_EQ(b.status, 0) << b.out;
  EXPECT_NE(b.out.find("f32[32,1,28,28]"), std::string::npos) << b.out;
  EXPECT_EQ(b.out.find("N,"), std::string::npos) << b.out;
}

TEST(Cli, JsonRoundTripReproducesTheDumpForEveryModel) {
  for (const auto& m : kModels) {
    std::string json = temp_path(m + ".json");
    Result direct = run("--model " + m + " --dump-ir --emit-json " + json);
    ASSERT_EQ(direct.status, 0) << direct.out;
    Result again = run("--ir " + json + " --dump-ir");
    ASSERT_EQ(again.status, 0) << again.out;
    EXPECT_EQ(direct.out, again.out) << m;
    std::filesystem::remove(json);
  }
}

TEST(Cli, DotWritesAGraph) {
  Result r = run("--model lenet --dot -");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(r.out.rfind("digraph", 0), 0u) << r.out.substr(0, 200);
}

TEST(Cli, StagesAfterAutodiffAndSimplify) {
  Result a = run("--model mnist_mlp --dump-ir=after-autodiff");
  ASSERT_EQ(a.status, 0) << a.out;
  EXPECT_NE(a.out.find("(gradient)"), std::string::npos) << a.out;
  Result s = run("--model mnist_mlp --dump-ir=after-simplify");
  ASSERT_EQ(s.status, 0) << s.out;
  EXPECT_LT(std::count(s.out.begin(), s.out.end(), '\n'), std::count(a.out.begin(), a.out.end(), '\n'));
  Result f = run("--model mnist_mlp --dump-ir=after-fusion");
  ASSERT_EQ(f.status, 0) << f.out;
  EXPECT_NE(f.out.find("kernel 0 ("), std::string::npos) << f.out;
  EXPECT_NE(f.out.find("fusion of mnist_mlp: 26 ops in 7 kernels"), std::string::npos) << f.out;
  Result bad = run("--model mnist_mlp --dump-ir=after-nothing");
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.out.find("after-nothing"), std::string::npos) << bad.out;
}

TEST(Cli, BadInputFailsWithAClearMessage) {
  Result unknown = run("--model nosuch --dump-ir");
  EXPECT_EQ(unknown.status, 1);
  EXPECT_NE(unknown.out.find("unknown model 'nosuch'"), std::string::npos) << unknown.out;

  Result flag = run("--frobnicate");
  EXPECT_EQ(flag.status, 1);
  EXPECT_NE(flag.out.find("--frobnicate"), std::string::npos) << flag.out;

  Result missing = run("--ir /nonexistent/graph.json --dump-ir");
  EXPECT_EQ(missing.status, 1);
  EXPECT_NE(missing.out.find("/nonexistent/graph.json"), std::string::npos) << missing.out;

  std::string garbage = temp_path("garbage.json");
  std::ofstream(garbage) << "{\"format\": \"graphc-ir\", \"version\": 1, \"name\": \"g\", \"nodes\": [{\"id\": 0, \"op\": \"warp\"}]}";
  Result bad = run("--ir " + garbage + " --dump-ir");
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.out.find("warp"), std::string::npos) << bad.out;
  std::filesystem::remove(garbage);

  Result batch = run("--model mnist_mlp --dump-ir --batch-size 0");
  EXPECT_EQ(batch.status, 1);
  EXPECT_NE(batch.out.find("--batch-size"), std::string::npos) << batch.out;
}

TEST(Cli, MemoryPlanReportsArenaAgainstBounds) {
  Result r = run("--model lenet --dump-memory-plan --batch-size 4");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("arena "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("peak live"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("flat parameters: 10 tensors"), std::string::npos) << r.out;
}

// Every kernel of both steps, as the loop-level IR the backends emit from:
// lenet's 20 training kernels (its fusion plan) and its eval kernels, with
// the convolutions as Gemm statements.
TEST(Cli, DumpKernelsPrintsTheKernelIrOfBothSteps) {
  Result r = run("--model lenet --dump-kernels");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("kernel train_k0("), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("kernel train_k19("), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("kernel train_k20("), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("kernel eval_k0("), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("gemm "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("b_window=[c=3 kernel=5x5"), std::string::npos) << r.out;

  Result no_model = run("--dump-kernels");
  EXPECT_EQ(no_model.status, 1);
  EXPECT_NE(no_model.out.find("--dump-kernels needs --model"), std::string::npos) << no_model.out;
}

// The emitter asks LLVM to vectorise loops only where it can: a forced hint
// it cannot honour is a warning on every trainer build. Every model of the
// zoo compiles without one.
TEST(Cli, EmitLlvmCompilesTheZooWithoutWarnings) {
  for (const std::string& m : kModels) {
    SCOPED_TRACE(m);
    Result r = run("--model " + m + " --emit-llvm");
    ASSERT_EQ(r.status, 0) << r.out.substr(0, 2000);
    EXPECT_NE(r.out.find("define void @train_k0("), std::string::npos);
    const size_t warning = r.out.find("warning:");
    EXPECT_EQ(warning, std::string::npos) << r.out.substr(warning == std::string::npos ? 0 : warning, 400);
  }
}

TEST(Cli, FreezingAllButTheLastLayerLeavesItsGradientsOnly) {
  Result r = run("--model lenet --freeze conv --freeze fc1 --freeze fc2 --dump-ir=after-autodiff");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(count_occurrences(r.out, "(gradient)"), 2) << r.out;
  EXPECT_NE(r.out.find("output fc3.weight = "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("output fc3.bias = "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("conv1.weight : f32[6,3,5,5] = uniform"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" frozen"), std::string::npos) << r.out;

  Result none = run("--model lenet --freeze nosuch --dump-ir");
  EXPECT_EQ(none.status, 1);
  EXPECT_NE(none.out.find("--freeze nosuch"), std::string::npos) << none.out;
}

TEST(Cli, FailedEmitLeavesNoPartialFile) {
  Result r = run("--model lenet --emit-json /nonexistent-dir/out.json");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("/nonexistent-dir/out.json"), std::string::npos) << r.out;
}

}  // namespace

namespace {

// MNIST-format files of 28x28 images in `dir` (train-* and t10k-*): class c
// lights pixel c, so a linear model learns it in one epoch.
void write_small_mnist(const std::string& dir, uint32_t train, uint32_t test) {
  auto be32 = [](std::string& s, uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) s += static_cast<char>((v >> shift) & 0xff);
  };
  auto write = [&](const std::string& prefix, uint32_t count) {
    std::string images, labels;
    be32(images, 0x803), be32(images, count), be32(images, 28), be32(images, 28);
    be32(labels, 0x801), be32(labels, count);
    for (uint32_t i = 0; i < count; ++i) {
      const uint32_t label = i % 10;
      for (uint32_t p = 0; p < 28 * 28; ++p) images += static_cast<char>(p == label ? 255 : (p * 7 + i) % 40);
      labels += static_cast<char>(label);
    }
    std::ofstream(dir + "/" + prefix + "-images-idx3-ubyte", std::ios::binary) << images;
    std::ofstream(dir + "/" + prefix + "-labels-idx1-ubyte", std::ios::binary) << labels;
  };
  write("train", train);
  write("t10k", test);
}

// A trainer built for both targets on a machine without a GPU: --device cuda
// stops before any step with a sentence naming what is missing, --device
// cpu trains, and the executable links neither LLVM nor any CUDA library
// (the driver and cuBLAS are opened with dlopen).
TEST(Cli, CpuCudaTrainerWithoutADriver) {
  const std::string dir = temp_path("cuda_trainer");
  std::filesystem::create_directories(dir);
  const std::string trainer = dir + "/train_mnist_logreg";
  Result build = run("--model mnist_logreg --target cpu,cuda -o " + trainer);
  if (build.status != 0 && build.out.find("built without the CUDA toolkit") != std::string::npos)
    GTEST_SKIP() << build.out;
  ASSERT_EQ(build.status, 0) << build.out;
  write_small_mnist(dir, 200, 50);

  Result needed = run_program("readelf -d " + trainer);
  ASSERT_EQ(needed.status, 0) << needed.out;
  EXPECT_NE(needed.out.find("(NEEDED)"), std::string::npos) << needed.out;
  for (const char* library : {"libcuda", "libcublas", "libnvrtc", "libcudart", "LLVM"})
    EXPECT_EQ(needed.out.find(library), std::string::npos) << library << " is linked:\n" << needed.out;

  const std::string data = " --data " + dir + " --epochs 1 --threads 1";
  Result gpu = run_program("GRAPHC_LIBCUDA=" + dir + "/no-libcuda.so.1 " + trainer + data + " --device cuda");
  EXPECT_EQ(gpu.status, 1) << gpu.out;
  EXPECT_NE(gpu.out.find("train_mnist_logreg: --device cuda: the NVIDIA driver library " + dir +
                         "/no-libcuda.so.1 cannot be loaded"),
            std::string::npos)
      << gpu.out;
  EXPECT_EQ(gpu.out.find("epoch 1"), std::string::npos) << gpu.out;

  Result cpu = run_program(trainer + data + " --device cpu");
  EXPECT_EQ(cpu.status, 0) << cpu.out;
  EXPECT_NE(cpu.out.find("compiled kernels on cpu, 1 thread"), std::string::npos) << cpu.out;
  EXPECT_NE(cpu.out.find("test_acc"), std::string::npos) << cpu.out;

  Result help = run_program(trainer + " --help");
  EXPECT_NE(help.out.find("[cpu]"), std::string::npos) << "the first target is the default device:\n" << help.out;
  std::filesystem::remove_all(dir);
}

TEST(Cli, TargetListsAreChecked) {
  Result twice = run("--model linreg --target cuda,cuda -o /tmp/never");
  EXPECT_EQ(twice.status, 1);
  EXPECT_NE(twice.out.find("--target: 'cuda' is named twice in 'cuda,cuda'"), std::string::npos) << twice.out;
  Result mixed = run("--model linreg --target interpreter,cpu -o /tmp/never");
  EXPECT_EQ(mixed.status, 1);
  EXPECT_NE(mixed.out.find("--target interpreter cannot be combined"), std::string::npos) << mixed.out;
  Result arch = run("--model linreg --target cuda --arch 90 -o /tmp/never");
  EXPECT_EQ(arch.status, 1);
  EXPECT_NE(arch.out.find("--arch: expected a GPU architecture like sm_90, got '90'"), std::string::npos) << arch.out;
}

}  // namespace
