// Checkpoints: what the file holds (PyTorch names and layouts, optimizer
// state, run position), a round trip, refusal of another program's
// checkpoint, and the property the format exists for: a run interrupted
// anywhere and resumed ends with the same bits as one that never stopped.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "runtime/checkpoint/safetensors.h"
#include "runtime/file_io.h"
#include "runtime/trainer/checkpoint.h"
#include "runtime/trainer/training_loop.h"
#include "trainer_test_util.h"

namespace graphc::runtime::trainer_testing {
namespace {

const Program& tiny() {
  static const Program p = tiny_classifier_program();
  return p;
}

std::vector<std::string> tensor_names(const SafeTensors& f) {
  std::vector<std::string> names;
  for (const NamedTensor& t : f.tensors) names.push_back(t.name);
  std::sort(names.begin(), names.end());
  return names;
}

TEST(TrainerCheckpoint, HoldsParametersUnderPyTorchNamesOptimizerStateAndThePosition) {
  TempDir dir;
  ParameterStore store(tiny().train, {});
  store.initialize(tiny().train, 3);
  OptimizerConfig adam;
  adam.kind = OptimizerKind::adam;
  Optimizer optimizer(adam, store.updated_size());
  for (size_t i = 0; i < store.updated_size(); ++i) {
    optimizer.state("exp_avg")[i] = 0.25f * static_cast<float>(i);
    optimizer.state("exp_avg_sq")[i] = 1.0f / static_cast<float>(i + 3);
  }
  optimizer.set_step_count(42);
  RunPosition pos;
  pos.epoch = 1;
  pos.epoch_step = 3;
  pos.step = 15;
  pos.data_cursor = 12;
  pos.data_order = 0x0123456789abcdefull;
  pos.train_samples = 48;
  pos.epoch_loss_sum = 0.1 + 0.2;  // not exactly 0.3: the digits must survive
  pos.epoch_correct = 7;
  pos.epoch_samples = 12;
  const std::string path = dir.file("c.safetensors");
  save_checkpoint(path, tiny(), store, optimizer, 99, pos);

  const SafeTensors file = load_safetensors(path);
  EXPECT_EQ(tensor_names(file),
            (std::vector<std::string>{"bn.bias", "bn.running_mean", "bn.running_var", "bn.weight", "fc1.bias",
                                      "fc1.weight", "fc2.bias", "fc2.weight", "optim.exp_avg.bn.bias",
                                      "optim.exp_avg.bn.weight", "optim.exp_avg.fc1.bias", "optim.exp_avg.fc1.weight",
                                      "optim.exp_avg.fc2.bias", "optim.exp_avg.fc2.weight",
                                      "optim.exp_avg_sq.bn.bias", "optim.exp_avg_sq.bn.weight",
                                      "optim.exp_avg_sq.fc1.bias", "optim.exp_avg_sq.fc1.weight",
                                      "optim.exp_avg_sq.fc2.bias", "optim.exp_avg_sq.fc2.weight"}));
  EXPECT_EQ(file.at("fc1.weight").shape, (std::vector<int64_t>{8, 4}));  // nn.Linear's [out, in]
  EXPECT_EQ(file.at("bn.running_var").shape, (std::vector<int64_t>{8}));
  EXPECT_EQ(file.metadata.at("model"), "tiny_classifier");
  EXPECT_EQ(file.metadata.at("fingerprint"), tiny().fingerprint());
  EXPECT_EQ(file.metadata.at("optimizer"), "adam");
  EXPECT_EQ(file.metadata.at("optimizer_steps"), "42");
  EXPECT_EQ(file.metadata.at("seed"), "99");
  EXPECT_EQ(file.metadata.at("data_cursor"), "12");

  ParameterStore restored(tiny().train, {});
  Optimizer restored_optimizer(adam, restored.updated_size());
  const LoadedCheckpoint c = read_checkpoint(path, tiny());
  restore_checkpoint(c, restored, restored_optimizer);
  EXPECT_EQ(c.seed, 99u);
  EXPECT_EQ(c.position, pos);
  EXPECT_EQ(restored_optimizer.step_count(), 42);
  ASSERT_EQ(restored.values().size(), store.values().size());
  EXPECT_EQ(std::memcmp(restored.values().data(), store.values().data(), store.values().size_bytes()), 0);
  for (const char* state : {"exp_avg", "exp_avg_sq"})
    EXPECT_EQ(std::memcmp(restored_optimizer.state(state).data(), optimizer.state(state).data(),
                          optimizer.state(state).size_bytes()),
              0)
        << state;

  OptimizerConfig sgd;
  Optimizer other(sgd, restored.updated_size());
  try {
    restore_checkpoint(c, restored, other);
    ADD_FAILURE() << "another optimizer kind must be refused";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("saved with optimizer adam, this run uses sgd"), std::string::npos)
        << e.what();
  }
}

TEST(TrainerCheckpoint, ACheckpointOfAnotherProgramIsRefusedNamingBothModels) {
  TempDir dir;
  const std::string path = dir.file("linreg.safetensors");
  const Program linreg = zoo_program("linreg");
  ASSERT_EQ(run(linreg, {"--epochs", "1", "--checkpoint", path, "--quiet"}).status, 0);
  write_tiny_mnist(dir.path().string(), 12, 6);
  RunOutput r = run(tiny(), {"--data", dir.path().string(), "--resume", path});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find(cat("checkpoint of model 'linreg' (program fingerprint ", linreg.fingerprint(),
                           ") cannot resume model 'tiny_classifier' (program fingerprint ", tiny().fingerprint(), ")")),
            std::string::npos)
      << r.err;

  // The same model with another recipe is another program too.
  Program changed = linreg;
  changed.recipe.lr *= 2;
  RunOutput same_model = run(changed, {"--resume", path});
  EXPECT_EQ(same_model.status, 1);
  EXPECT_NE(same_model.err.find("the same model with another graph or recipe"), std::string::npos) << same_model.err;
}

struct Finished {
  std::vector<float> values;
  std::string checkpoint_bytes;
  std::vector<EpochMetrics> epochs;
};

// Trains the tiny classifier for 2 epochs of 12 steps, with momentum (state
// to carry), batch norm (running statistics) and dropout (per-step seeds);
// `stop_at` > 0 interrupts after that step and resumes from the last
// checkpoint, taken every 5 steps.
Finished train_tiny(const std::string& data_dir, const std::string& checkpoint, int64_t stop_at) {
  std::vector<std::string> args{"--data", data_dir, "--checkpoint", checkpoint, "--seed", "5", "--quiet"};
  if (stop_at > 0) {
    args.insert(args.end(), {"--checkpoint-every", "5"});
    TrainerHooks stop;
    stop.stop_after_step = [&](const RunPosition& p) { return p.step == stop_at; };
    std::ostringstream out;
    TrainingOutcome interrupted = train(tiny(), parse_trainer_args(tiny(), args), out, false, stop);
    EXPECT_TRUE(interrupted.interrupted);
    EXPECT_EQ(interrupted.position.step, stop_at);
    args = {"--data", data_dir, "--checkpoint", checkpoint, "--resume", checkpoint, "--quiet"};
  }
  std::ostringstream out;
  TrainingOutcome done = train(tiny(), parse_trainer_args(tiny(), args), out, false);
  EXPECT_FALSE(done.interrupted);
  EXPECT_EQ(done.position.step, 24);
  const std::span<const float> v = done.parameters->values();
  return {{v.begin(), v.end()}, read_file(checkpoint), done.epochs};
}

TEST(TrainerCheckpoint, ResumingMidEpochReachesTheBitsOfAnUninterruptedRun) {
  TempDir dir;
  write_tiny_mnist(dir.path().string(), 60, 30);  // 48 train (12 steps of 4), 12 validation
  const Finished straight = train_tiny(dir.path().string(), dir.file("straight.safetensors"), 0);
  for (int64_t stop_at : {7, 17}) {  // epoch 1 (resumes at step 5), epoch 2 (resumes at step 15)
    SCOPED_TRACE(cat("interrupted after step ", stop_at));
    const Finished resumed = train_tiny(dir.path().string(), dir.file(cat("resumed", stop_at, ".safetensors")), stop_at);
    ASSERT_EQ(resumed.values.size(), straight.values.size());
    EXPECT_EQ(std::memcmp(resumed.values.data(), straight.values.data(), straight.values.size() * sizeof(float)), 0);
    EXPECT_EQ(resumed.checkpoint_bytes, straight.checkpoint_bytes) << "parameters, optimizer state and position";
    // The epoch the run was interrupted in reports the same training loss.
    ASSERT_FALSE(resumed.epochs.empty());
    EXPECT_EQ(resumed.epochs.back().train_loss, straight.epochs.back().train_loss);
    EXPECT_EQ(resumed.epochs.back().val_loss, straight.epochs.back().val_loss);
  }
  // Only the checkpoints themselves: every write went through a temporary file that was renamed.
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path()))
    if (entry.path().extension() == ".safetensors" || entry.path().string().find(".tmp") != std::string::npos)
      files.push_back(entry.path().filename().string());
  std::sort(files.begin(), files.end());
  EXPECT_EQ(files, (std::vector<std::string>{"resumed17.safetensors", "resumed7.safetensors",
                                             "straight.safetensors"}));
}

TEST(TrainerCheckpoint, ResumeKeepsTheSeedAndContinuesTheMetricsFile) {
  TempDir dir;
  write_tiny_mnist(dir.path().string(), 60, 30);
  const std::string data = dir.path().string(), ckpt = dir.file("c.safetensors"), metrics = dir.file("m.jsonl");
  ASSERT_EQ(run(tiny(), {"--data", data, "--checkpoint", ckpt, "--metrics", metrics, "--epochs", "1"}).status, 0);
  const std::string first_run = read_file(metrics);
  EXPECT_EQ(std::count(first_run.begin(), first_run.end(), '\n'), 2);  // epoch 1, final

  RunOutput other_seed = run(tiny(), {"--data", data, "--resume", ckpt, "--seed", "3"});
  EXPECT_EQ(other_seed.status, 1);
  EXPECT_NE(other_seed.err.find("--seed 3 differs from the seed 0 of"), std::string::npos) << other_seed.err;

  RunOutput resumed = run(tiny(), {"--data", data, "--resume", ckpt, "--metrics", metrics, "--epochs", "2"});
  ASSERT_EQ(resumed.status, 0) << resumed.err;
  EXPECT_NE(resumed.out.find("resumed from " + ckpt + " at epoch 2, step 12"), std::string::npos) << resumed.out;
  EXPECT_EQ(resumed.out.find("epoch 1 train_loss"), std::string::npos) << "epoch 1 is not run again";
  const std::string text = read_file(metrics);
  std::vector<nlohmann::json> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(lines.size(), 3u) << text;  // epoch 1 kept, epoch 2, a new final line
  EXPECT_EQ(lines[0]["epoch"], 1);
  EXPECT_EQ(lines[1]["epoch"], 2);
  EXPECT_TRUE(lines[2].contains("test_acc"));
}

TEST(TrainerCheckpoint, InitFromWithFreezeKeepsTheFrozenParametersUnchanged) {
  TempDir dir;
  write_tiny_mnist(dir.path().string(), 60, 30);
  const std::string data = dir.path().string(), weights = dir.file("w.safetensors"), after = dir.file("a.safetensors");
  ASSERT_EQ(run(tiny(), {"--data", data, "--checkpoint", weights, "--epochs", "1", "--quiet"}).status, 0);
  RunOutput r = run(tiny(), {"--data", data, "--init-from", weights, "--freeze", "fc1.", "--checkpoint", after,
                             "--epochs", "1", "--seed", "9"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("loaded 8 of 8 parameters from " + weights), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("4 of 8 parameter tensors trained"), std::string::npos) << r.out;

  const SafeTensors before_file = load_safetensors(weights), after_file = load_safetensors(after);
  for (const char* frozen : {"fc1.weight", "fc1.bias"})
    EXPECT_EQ(before_file.at(frozen).bytes, after_file.at(frozen).bytes) << frozen;
  for (const char* trained : {"fc2.weight", "fc2.bias", "bn.weight", "bn.running_mean"})
    EXPECT_NE(before_file.at(trained).bytes, after_file.at(trained).bytes) << trained;
  EXPECT_EQ(after_file.find("optim.momentum_buffer.fc1.weight"), nullptr) << "no optimizer state for frozen ones";
  EXPECT_NE(after_file.find("optim.momentum_buffer.fc2.weight"), nullptr);
}

TEST(TrainerCheckpoint, InitFromReportsWhatItCouldNotUse) {
  TempDir dir;
  write_tiny_mnist(dir.path().string(), 12, 6);
  const std::string weights = dir.file("w.safetensors");
  const std::vector<float> wrong_shape(12, 1.0f), unrelated(2, 0.5f), bias(8, 0.25f);
  SafeTensors f;
  f.tensors.push_back(make_tensor<float>("fc1.weight", {3, 4}, std::span<const float>(wrong_shape)));
  f.tensors.push_back(make_tensor<float>("fc1.bias", {8}, std::span<const float>(bias)));
  f.tensors.push_back(make_tensor<float>("head.weight", {2}, std::span<const float>(unrelated)));
  save_safetensors(weights, f);
  ParameterStore store(tiny().train, {});
  const InitFromReport report = init_from_weights(weights, store);
  EXPECT_EQ(report.loaded, std::vector<std::string>{"fc1.bias"});
  EXPECT_EQ(report.kept.size(), 7u);
  EXPECT_EQ(report.ignored, (std::vector<std::string>{"head.weight", "fc1.weight [3,4]"}));
  for (float v : store.value(*store.find("fc1.bias"))) EXPECT_EQ(v, 0.25f);
  EXPECT_NE(report.str().find("loaded 1 of 8 parameters from " + weights + "; kept initial values: "),
            std::string::npos)
      << report.str();
}

}  // namespace
}  // namespace graphc::runtime::trainer_testing
