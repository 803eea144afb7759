// Programs are compiled exactly as tools/graphc/stages.cpp compiles them, so
// the trainer is tested on the graphs a real trainer executable carries.
#include "trainer_test_util.h"

#include <functional>
#include <sstream>

#include "frontend/model_registry.h"
#include "frontend/nn.h"
#include "runtime/compile_program.h"
#include "runtime/file_io.h"
#include "runtime/trainer/run_trainer.h"

namespace graphc::runtime::trainer_testing {

namespace {


Program custom_program(const std::string& name, const std::function<void(Builder&)>& build, const Recipe& recipe,
                       int64_t max_batch) {
  Graph train(name), eval(name);
  Builder train_builder(train, Mode::train);
  build(train_builder);
  Builder eval_builder(eval, Mode::eval);
  build(eval_builder);
  return compile_program(name, train, eval, recipe, max_batch);
}

Recipe tiny_recipe() {
  Recipe r;
  r.dataset = "mnist";
  r.batch_size = 4;
  r.eval_batch_size = 7;
  r.optimizer = "momentum";
  r.lr = 0.05;
  r.momentum = 0.9;
  r.epochs = 2;
  r.val_fraction = 0.2;
  return r;
}

}  // namespace

Program zoo_program(const std::string& model) {
  const ModelDef& def = get_model(model);
  return compile_program(model, build_model(def, Mode::train), build_model(def, Mode::eval), def.recipe,
                 std::max(def.recipe.batch_size, def.recipe.eval_batch_size));
}

Program tiny_classifier_program() {
  return custom_program(
      "tiny_classifier",
      [](Builder& b) {
        Tensor x = b.input("x", DType::f32, {kBatch, 1, 2, 2});
        Tensor y = b.input("y", DType::i32, {kBatch}, InputRole::label);
        nn::Sequential net{{"flatten", nn::Flatten()},      {"fc1", nn::Linear(4, 8)},
                           {"relu", nn::ReLU()},            {"bn", nn::BatchNorm1d(8)},
                           {"drop", nn::Dropout(0.25)},     {"fc2", nn::Linear(8, 3)}};
        nn::classifier_outputs(b, net(x), y);
      },
      tiny_recipe(), 16);
}

Program tiny_linear_program() {
  return custom_program(
      "tiny_linear",
      [](Builder& b) {
        Tensor x = b.input("x", DType::f32, {kBatch, 1, 2, 2});
        Tensor y = b.input("y", DType::i32, {kBatch}, InputRole::label);
        nn::Sequential net{{"flatten", nn::Flatten()}, {"fc", nn::Linear(4, 3)}};
        nn::classifier_outputs(b, net(x), y);
      },
      tiny_recipe(), 16);
}

void write_tiny_mnist(const std::string& dir, int train_count, int test_count) {
  uint32_t state = 12345;  // a fixed LCG: the same bytes on every platform
  auto next = [&] {
    state = state * 1664525u + 1013904223u;
    return state >> 16;
  };
  auto write_split = [&](const std::string& prefix, int count) {
    std::vector<uint8_t> pixels, labels;
    for (int i = 0; i < count; ++i) {
      const int label = i % 3;
      for (int p = 0; p < 4; ++p)
        pixels.push_back(static_cast<uint8_t>(p == label ? 200 + next() % 56 : next() % 60));
      labels.push_back(static_cast<uint8_t>(label));
    }
    const auto n = static_cast<uint32_t>(count);
    data::testing::write_bytes(dir + "/" + prefix + "-images-idx3-ubyte", data::testing::idx_u8({n, 2, 2}, pixels));
    data::testing::write_bytes(dir + "/" + prefix + "-labels-idx1-ubyte", data::testing::idx_u8({n}, labels));
  };
  write_split("train", train_count);
  write_split("t10k", test_count);
}

RunOutput run(const Program& program, const std::vector<std::string>& args, const LinkedCode& code) {
  std::ostringstream out, err;
  RunOutput r;
  r.status = run_trainer(program, args, out, err, code);
  r.out = out.str();
  r.err = err.str();
  return r;
}

ProfiledRuns run_with_and_without_profile(const Program& program, const std::vector<std::string>& args,
                                          const LinkedCode& code, const std::string& profile) {
  ProfiledRuns r;
  r.plain = run(program, args, code);
  std::vector<std::string> profiled = args;
  profiled.insert(profiled.end(), {"--profile", profile});
  r.profiled = run(program, profiled, code);
  if (r.profiled.status != 0) return r;
  r.profile = nlohmann::json::parse(read_file(profile));
  for (const nlohmann::json& p : r.profile.at("pieces"))
    r.pieces[p.at("graph").get<std::string>() + "/" + p.at("name").get<std::string>()] = p;
  return r;
}

}  // namespace graphc::runtime::trainer_testing
