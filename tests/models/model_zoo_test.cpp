// The model zoo: six registered models whose graphs verify in both modes and
// whose parameters carry exactly the names and shapes of the PyTorch modules
// they reproduce (shared/bench/torch_ref.py), in state_dict order, so a
// checkpoint maps one to one onto a PyTorch state_dict.
#include <gtest/gtest.h>

#include "frontend/model_registry.h"
#include "ir/verifier.h"
#include "tests/frontend/graph_query.h"

namespace graphc {
namespace {

using testing_util::is_trainable;
using testing_util::output_names;

using Params = std::vector<std::pair<std::string, Shape>>;

Params parameters_of(const Graph& g) {
  Params params;
  for (ValueId p : g.parameters()) params.emplace_back(g.node(p).s("name"), g.type(p).shape);
  return params;
}

int64_t trainable_scalars(const Graph& g) {
  int64_t n = 0;
  for (ValueId p : g.parameters())
    if (g.node(p).b("trainable")) n += g.type(p).shape.static_numel();
  return n;
}

TEST(ModelZoo, SixModelsWithDescriptions) {
  std::vector<std::string> names;
  for (const auto& m : registered_models()) {
    names.push_back(m.name);
    EXPECT_FALSE(m.description.empty()) << m.name;
    EXPECT_EQ(m.description.find('\n'), std::string::npos) << m.name << ": a description is one line";
  }
  EXPECT_EQ(names, (std::vector<std::string>{"cifar_cnn", "lenet", "linreg", "mnist_logreg", "mnist_mlp", "resnet18"}));
}

TEST(ModelZoo, EveryModelVerifiesInBothModes) {
  for (const auto& m : registered_models()) {
    SCOPED_TRACE(m.name);
    Graph train = build_model(m.name, Mode::train);
    Graph eval = build_model(m.name, Mode::eval);
    EXPECT_NO_THROW(verify(train));
    EXPECT_NO_THROW(verify(eval));
    EXPECT_EQ(train.name(), m.name);
    // Eval graphs carry no state updates; both modes share one parameter table.
    EXPECT_TRUE(output_names(eval, OutputRole::state).empty());
    EXPECT_EQ(parameters_of(train), parameters_of(eval));
    ASSERT_NE(train.find_output("loss"), nullptr);
    EXPECT_EQ(train.type(train.find_output("loss")->value).str(), "f32[]");
    ASSERT_NE(train.find_output("logits"), nullptr);
    EXPECT_EQ(train.find_output("logits")->role, OutputRole::prediction);
  }
}

TEST(ModelZoo, InputsAreXAndYWithABatchDimension) {
  for (const auto& m : registered_models()) {
    SCOPED_TRACE(m.name);
    Graph g = build_model(m.name);
    auto x = g.find_input("x");
    auto y = g.find_input("y");
    ASSERT_TRUE(x && y);
    EXPECT_EQ(g.type(*x).dtype, DType::f32);
    EXPECT_EQ(g.type(*x).shape[0], kBatch);
    EXPECT_EQ(g.type(*y).shape[0], kBatch);
    // Classifiers take i32 labels and count correct predictions; linreg regresses.
    if (m.name == "linreg") {
      EXPECT_EQ(g.type(*y).str(), "f32[N,2]");
    } else {
      EXPECT_EQ(g.type(*y).str(), "i32[N]");
      ASSERT_NE(g.find_output("correct"), nullptr);
      EXPECT_EQ(g.find_output("correct")->role, OutputRole::correct);
    }
  }
}

TEST(ModelZoo, RecipesAreUsable) {
  for (const auto& m : registered_models()) {
    SCOPED_TRACE(m.name);
    const Recipe& r = m.recipe;
    EXPECT_GT(r.batch_size, 0);
    EXPECT_GT(r.lr, 0);
    EXPECT_GT(r.epochs, 0);
    EXPECT_EQ(r.mean.size(), r.std.size());
    Graph g = build_model(m.name);
    const Shape& x = g.type(*g.find_input("x")).shape;
    if (r.dataset == "mnist" || r.dataset == "cifar10") {
      EXPECT_EQ(x.rank(), 4u);
      EXPECT_EQ(static_cast<int64_t>(r.mean.size()), x[1]) << "one normalisation mean per channel";
    } else {
      EXPECT_EQ(r.dataset, "csv");
      EXPECT_FALSE(r.inline_csv.empty()) << "linreg carries seed 001's table";
      EXPECT_EQ(r.csv_targets, 2);
    }
  }
}

TEST(StateDict, LinReg) {
  EXPECT_EQ(parameters_of(build_model("linreg")), (Params{{"weight", {2, 3}}, {"bias", {2}}}));
}

TEST(StateDict, MnistLogReg) {
  Graph g = build_model("mnist_logreg");
  EXPECT_EQ(parameters_of(g), (Params{{"1.weight", {10, 784}}, {"1.bias", {10}}}));
  EXPECT_EQ(trainable_scalars(g), 7850);
}

TEST(StateDict, MnistMlp) {
  Graph g = build_model("mnist_mlp");
  EXPECT_EQ(parameters_of(g),
            (Params{{"1.weight", {128, 784}}, {"1.bias", {128}}, {"3.weight", {10, 128}}, {"3.bias", {10}}}));
  EXPECT_EQ(trainable_scalars(g), 101770);
}

TEST(StateDict, LeNet) {
  Graph g = build_model("lenet");
  EXPECT_EQ(parameters_of(g), (Params{{"conv1.weight", {6, 3, 5, 5}},
                                      {"conv1.bias", {6}},
                                      {"conv2.weight", {16, 6, 5, 5}},
                                      {"conv2.bias", {16}},
                                      {"fc1.weight", {120, 400}},
                                      {"fc1.bias", {120}},
                                      {"fc2.weight", {84, 120}},
                                      {"fc2.bias", {84}},
                                      {"fc3.weight", {10, 84}},
                                      {"fc3.bias", {10}}}));
  EXPECT_EQ(trainable_scalars(g), 62006);
}

TEST(StateDict, CifarCnn) {
  // nn.Sequential indices count the ReLU, MaxPool2d and Flatten children too.
  Graph g = build_model("cifar_cnn");
  EXPECT_EQ(parameters_of(g), (Params{{"0.weight", {32, 3, 3, 3}},      {"0.bias", {32}},
                                      {"2.weight", {64, 32, 3, 3}},     {"2.bias", {64}},
                                      {"5.weight", {128, 64, 3, 3}},    {"5.bias", {128}},
                                      {"7.weight", {128, 128, 3, 3}},   {"7.bias", {128}},
                                      {"10.weight", {256, 128, 3, 3}},  {"10.bias", {256}},
                                      {"12.weight", {256, 256, 3, 3}},  {"12.bias", {256}},
                                      {"16.weight", {1024, 4096}},      {"16.bias", {1024}},
                                      {"18.weight", {512, 1024}},       {"18.bias", {512}},
                                      {"20.weight", {10, 512}},         {"20.bias", {10}}}));
  EXPECT_EQ(trainable_scalars(g), 5851338);  // the seed's reported parameter count
}

// PyTorch's state_dict of torch_ref.py's resnet18 with torchvision's child names
// (conv1/bn1/conv2/bn2/shortcut), num_batches_tracked left out.
Params resnet18_state_dict() {
  Params p;
  auto bn = [&](const std::string& prefix, int64_t c) {
    for (const char* name : {"weight", "bias", "running_mean", "running_var"}) p.push_back({prefix + name, {c}});
  };
  p.push_back({"0.weight", {64, 3, 3, 3}});
  bn("1.", 64);
  struct Block {
    int index;
    int64_t in, out;
    bool projection;
  };
  for (Block b : {Block{3, 64, 64, false}, Block{4, 64, 64, false}, Block{5, 64, 128, true}, Block{6, 128, 128, false},
                  Block{7, 128, 256, true}, Block{8, 256, 256, false}, Block{9, 256, 512, true},
                  Block{10, 512, 512, false}}) {
    std::string at = std::to_string(b.index) + ".";
    p.push_back({at + "conv1.weight", {b.out, b.in, 3, 3}});
    bn(at + "bn1.", b.out);
    p.push_back({at + "conv2.weight", {b.out, b.out, 3, 3}});
    bn(at + "bn2.", b.out);
    if (b.projection) {
      p.push_back({at + "shortcut.0.weight", {b.out, b.in, 1, 1}});
      bn(at + "shortcut.1.", b.out);
    }
  }
  p.push_back({"13.weight", {10, 512}});
  p.push_back({"13.bias", {10}});
  return p;
}

TEST(StateDict, ResNet18) {
  Graph g = build_model("resnet18");
  EXPECT_EQ(parameters_of(g), resnet18_state_dict());
  int trainable = 0, running = 0;
  for (const auto& [name, shape] : parameters_of(g)) {
    bool is_running = name.find("running_") != std::string::npos;
    EXPECT_EQ(is_trainable(g, name), !is_running) << name;
    (is_running ? running : trainable) += 1;
  }
  EXPECT_EQ(trainable, 62);  // weight and bias tensors
  EXPECT_EQ(running, 40);    // 20 batch norms
  EXPECT_EQ(trainable_scalars(g), 11173962);
  EXPECT_EQ(output_names(g, OutputRole::state).size(), 40u);
  EXPECT_EQ(g.type(g.find_output("logits")->value).str(), "f32[N,10]");
}

TEST(Freezing, BuildModelFreezesByPrefix) {
  Graph g = build_model("lenet", Mode::train, {"conv"});
  for (const auto& [name, shape] : parameters_of(g))
    EXPECT_EQ(is_trainable(g, name), name.rfind("fc", 0) == 0) << name;
}

}  // namespace
}  // namespace graphc
