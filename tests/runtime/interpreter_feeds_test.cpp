// How interpret() binds its feeds: N from the fed inputs, exact parameter
// shapes, dtype and value checks, and errors that name what is wrong; plus
// what interpret() and interpret_all() return.
#include "interpreter_test_util.h"

namespace graphc::runtime::interpreter_testing {
namespace {

// x f32[N,4] @ w f32[4,2] + b f32[2], and labels y i32[N].
struct Linear {
  Graph g;
  Builder b{g};
  Linear() {
    Tensor x = b.input("x", DType::f32, {kBatch, 4});
    Tensor y = b.input("y", DType::i32, {kBatch}, InputRole::label);
    Tensor w = b.parameter("w", {4, 2}, {"zeros", {}});
    Tensor bias = b.parameter("b", {2}, {"zeros", {}});
    Tensor logits = matmul(x, w) + bias;
    b.output("logits", logits, OutputRole::prediction);
    b.output("loss", mean(softmax_cross_entropy(logits, y)), OutputRole::loss);
  }
  TensorMap feeds(int64_t batch) const {
    return {{"x", f32({batch, 4}, std::vector<double>(batch * 4, 1.0))},
            {"y", i32({batch}, std::vector<double>(batch, 1))},
            {"w", f32({4, 2}, {1, 0, 0, 1, 1, 0, 0, 1})},
            {"b", f32({2}, {0.5, -0.5})}};
  }
};

void expect_error(const Graph& g, const TensorMap& feeds, const std::vector<std::string>& parts) {
  try {
    interpret(g, feeds);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    for (const auto& part : parts) EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
  }
}

TEST(InterpretFeeds, BindsNFromTheFeeds) {
  Linear m;
  for (int64_t batch : {1, 3}) {
    TensorMap out = interpret(m.g, m.feeds(batch));
    // logits per row = [1+1, 1+1] + [0.5, -0.5]; loss = log(e^2.5 + e^1.5) - 1.5.
    std::vector<double> want;
    for (int64_t i = 0; i < batch; ++i) want.insert(want.end(), {2.5, 1.5});
    expect_tensor(out.at("logits"), DType::f32, {batch, 2}, want);
    expect_tensor(out.at("loss"), DType::f32, {}, {std::log(std::exp(2.5) + std::exp(1.5)) - 1.5}, 1e-15);
  }
}

TEST(InterpretFeeds, MissingFeedsAreNamed) {
  Linear m;
  TensorMap feeds = m.feeds(2);
  feeds.erase("y");
  feeds.erase("w");
  expect_error(m.g, feeds, {"missing", "input 'y'", "parameter 'w'"});
}

TEST(InterpretFeeds, WrongParameterShapeNamesBothShapes) {
  Linear m;
  TensorMap feeds = m.feeds(2);
  feeds["w"] = f32({2, 4}, std::vector<double>(8, 0.0));
  expect_error(m.g, feeds, {"parameter 'w'", "f32[2,4]", "f32[4,2]"});
}

TEST(InterpretFeeds, WrongStaticDimensionOfAnInput) {
  Linear m;
  TensorMap feeds = m.feeds(2);
  feeds["x"] = f32({2, 5}, std::vector<double>(10, 0.0));
  expect_error(m.g, feeds, {"input 'x'", "f32[2,5]", "f32[N,4]"});
}

TEST(InterpretFeeds, InconsistentBatchNamesBothInputs) {
  Linear m;
  TensorMap feeds = m.feeds(2);
  feeds["y"] = i32({3}, {0, 0, 0});
  expect_error(m.g, feeds, {"input 'y'", "i32[3]", "N = 3", "input 'x'", "N = 2", "i32[N]"});
}

TEST(InterpretFeeds, WrongDtype) {
  Linear m;
  TensorMap feeds = m.feeds(2);
  feeds["y"] = f32({2}, {0, 1});
  expect_error(m.g, feeds, {"input 'y'", "f32[2]", "i32[N]"});
}

TEST(InterpretFeeds, NonIntegralLabel) {
  Linear m;
  TensorMap feeds = m.feeds(2);
  feeds["y"].data[1] = 0.5;
  expect_error(m.g, feeds, {"input 'y'", "element 1", "0.5"});
}

TEST(InterpretFeeds, ValueCountMustMatchTheShape) {
  Linear m;
  TensorMap feeds = m.feeds(2);
  feeds["b"].data.push_back(1);
  expect_error(m.g, feeds, {"parameter 'b'", "3 values"});
  EXPECT_THROW(HostTensor(DType::f32, {2}, {1, 2, 3}), Error);
}

TEST(InterpretFeeds, ExtraFeedsAreIgnored) {
  Linear m;
  TensorMap feeds = m.feeds(2);
  feeds["unused"] = f32({1}, {0});
  EXPECT_EQ(interpret(m.g, feeds).size(), 2u);
}

TEST(InterpretFeeds, BatchSizeNeedsAnInputWithN) {
  Graph g;
  Builder b(g);
  b.output("n", b.batch_size(), OutputRole::value);
  expect_error(g, {}, {"N"});
}

TEST(InterpretFeeds, StaticGraphsNeedNoN) {
  OpRunner r;
  expect_tensor(r.run(r.input("x", f32({2}, {1, 2})) * 3.0), DType::f32, {2}, {3, 6});
}

TEST(InterpretFeeds, KernelErrorsNameTheNode) {
  Linear m;
  TensorMap feeds = m.feeds(2);
  feeds["y"].data[0] = 7;
  expect_error(m.g, feeds, {"softmax_cross_entropy", "label 7", "row 0", "%"});
}

TEST(InterpretAll, ReturnsEveryValue) {
  Linear m;
  std::vector<HostTensor> values = interpret_all(m.g, m.feeds(2));
  ASSERT_EQ(values.size(), m.g.size());
  for (size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(values[i].dtype, m.g.node(static_cast<ValueId>(i)).type.dtype) << "%" << i;
    EXPECT_EQ(values[i].shape, m.g.node(static_cast<ValueId>(i)).type.shape.with_batch(2)) << "%" << i;
  }
  EXPECT_EQ(values[m.g.find_output("logits")->value].data, interpret(m.g, m.feeds(2)).at("logits").data);
}

}  // namespace
}  // namespace graphc::runtime::interpreter_testing
