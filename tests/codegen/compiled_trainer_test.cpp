// The trainer on compiled kernels, end to end and in-process: the tiny
// classifier (linear layers, batch norm with running statistics, dropout)
// trained on small MNIST-format files by the real training loop with the
// CPU executor. Runs are deterministic by construction: the same seed and
// thread count give byte-identical checkpoints run after run, and so does
// another thread count (no reduction order depends on the split). The
// interpreter (the oracle) ends within f32 rounding of the same place.
#include <gtest/gtest.h>

#include "codegen/compile_cpu.h"
#include "codegen/cpu/jit.h"
#include "tests/codegen/codegen_test_util.h"
#include "tests/codegen/executor_test_util.h"
#include "tests/runtime/trainer_test_util.h"

namespace graphc::codegen {
namespace {

using namespace runtime::trainer_testing;

// A program with its CPU plan and a kernel table over its JIT-compiled kernels.
struct JitTrainer {
  runtime::Program program;
  testing::JitKernelTable kernels;
  runtime::LinkedCode code() const { return {kernels.table.data(), {}, {}}; }
};

JitTrainer jit_trainer(runtime::Program program) {
  const CompiledCpuProgram compiled = compile_cpu(program);
  program.cpu = compiled.plan;
  testing::JitKernelTable kernels = testing::jit_kernel_table(compiled.kernels, program.model);
  return {std::move(program), std::move(kernels)};
}

std::string final_line(const std::string& out) {
  const size_t at = out.rfind("test_acc");
  return at == std::string::npos ? "" : out.substr(at);
}

TEST(CompiledTrainer, RunsAreBitIdenticalAndMatchTheInterpreter) {
  TempDir dir;
  write_tiny_mnist(dir.path().string(), 60, 30);
  const JitTrainer t = jit_trainer(tiny_classifier_program());
  auto train = [&](const std::string& checkpoint, const std::string& threads, const std::string& device) {
    RunOutput r = run(t.program,
                      {"--data", dir.path().string(), "--epochs", "2", "--checkpoint", dir.file(checkpoint),
                       "--threads", threads, "--device", device, "--seed", "5"},
                      t.code());
    EXPECT_EQ(r.status, 0) << r.err;
    return r;
  };
  const RunOutput first = train("a.safetensors", "2", "cpu");
  EXPECT_NE(first.out.find("compiled kernels on cpu, 2 threads"), std::string::npos) << first.out;
  train("b.safetensors", "2", "cpu");
  train("c.safetensors", "1", "cpu");
  const RunOutput reference = train("d.safetensors", "1", "interpreter");
  EXPECT_NE(reference.out.find("interpreter"), std::string::npos) << reference.out;

  const std::string a = runtime::data::testing::read_bytes(dir.file("a.safetensors"));
  EXPECT_EQ(a, runtime::data::testing::read_bytes(dir.file("b.safetensors"))) << "two runs with the same seed and threads differ";
  EXPECT_EQ(a, runtime::data::testing::read_bytes(dir.file("c.safetensors"))) << "1 and 2 threads differ";
  // Two epochs of f32 rounding differences: the same accuracy.
  EXPECT_EQ(final_line(first.out).substr(0, 14), final_line(reference.out).substr(0, 14))
      << first.out << "\n---\n" << reference.out;
}

// --profile: every kernel call of every step is timed, the counts are the
// run's steps, the table is printed and the JSON written; and timing
// changes nothing the run computes.
TEST(CompiledTrainer, ProfileTimesEveryKernelCallAndChangesNothing) {
  TempDir dir;
  write_tiny_mnist(dir.path().string(), 60, 30);
  const JitTrainer t = jit_trainer(tiny_classifier_program());
  ProfiledRuns r = run_with_and_without_profile(
      t.program, {"--data", dir.path().string(), "--epochs", "2", "--seed", "5"}, t.code(), dir.file("profile.json"));
  const RunOutput& timed = r.profiled;
  ASSERT_EQ(timed.status, 0) << timed.err;
  EXPECT_EQ(final_line(r.plain.out), final_line(timed.out).substr(0, final_line(r.plain.out).size()));
  EXPECT_NE(timed.out.find("training step: "), std::string::npos) << timed.out;
  EXPECT_NE(timed.out.find("profile written to " + dir.file("profile.json")), std::string::npos) << timed.out;

  const nlohmann::json& j = r.profile;
  const int64_t train_steps = j.at("train_steps"), eval_steps = j.at("eval_steps");
  const size_t of = timed.out.find("2 epochs of ");
  ASSERT_NE(of, std::string::npos) << timed.out;
  EXPECT_EQ(train_steps, 2 * std::stoll(timed.out.substr(of + 12))) << timed.out;
  EXPECT_GT(eval_steps, 0);
  EXPECT_GT(j.at("train_wall_s").get<double>(), 0);
  std::map<std::string, nlohmann::json>& pieces = r.pieces;
  const auto expect_timed = [&](const std::string& name, int64_t calls) {
    ASSERT_TRUE(pieces.count(name)) << name << " is not in the profile";
    EXPECT_EQ(pieces[name].at("calls").get<int64_t>(), calls) << name;
    EXPECT_GE(pieces[name].at("seconds").get<double>(), 0) << name;
  };
  for (const runtime::KernelCall& c : t.program.cpu->train.calls) {
    expect_timed("train/" + c.kernel, train_steps);
    EXPECT_EQ(pieces["train/" + c.kernel].at("what"), c.what);
    EXPECT_FALSE(c.what.empty()) << c.kernel;
  }
  for (const runtime::KernelCall& c : t.program.cpu->eval.calls) expect_timed("eval/" + c.kernel, eval_steps);
  expect_timed("update/optimizer", train_steps);
  expect_timed("train/inputs", train_steps);
  expect_timed("eval/inputs", eval_steps);

  const std::vector<std::string> on_interpreter = {"--data", dir.path().string(), "--profile", dir.file("p.json"),
                                                   "--device", "interpreter"};
  const RunOutput refused = run(t.program, on_interpreter, t.code());
  EXPECT_EQ(refused.status, 1);
  EXPECT_NE(refused.err.find("--profile times compiled kernels, and --device interpreter runs this trainer on the "
                             "reference interpreter"),
            std::string::npos)
      << refused.err;
}

}  // namespace
}  // namespace graphc::codegen
