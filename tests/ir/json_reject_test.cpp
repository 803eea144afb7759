// The JSON reader rejects every kind of malformed or hostile file with a
// graphc::Error naming the node and field, never a crash or a foreign
// exception. Each case mutates a valid document in one way.
#include <gtest/gtest.h>

#include <functional>

#include "ir/json.h"
#include "tests/ir/error_text.h"
#include "tests/ir/op_examples.h"
#include "tests/ir/tiny_graph.h"

namespace graphc {
namespace {

using nlohmann::json;
using testing::error_text;

// Anything other than graphc::Error escaping the reader fails the test.
std::string read_error(const std::string& text) {
  return error_text([&] { graph_from_json_text(text); });
}

struct Mutation {
  const char* what;
  std::function<void(json&)> mutate;
  std::string expected;
};

void expect_rejections(const Graph& base, const std::vector<Mutation>& cases) {
  for (const Mutation& m : cases) {
    SCOPED_TRACE(m.what);
    json doc = graph_to_json(base);
    m.mutate(doc);
    EXPECT_EQ(read_error(doc.dump()), m.expected);
  }
}

TEST(JsonReject, NotAGraphDocument) {
  EXPECT_EQ(read_error("[]"), "graph JSON: the document must be an object, got array");
  EXPECT_EQ(read_error("{}"), "graph JSON: missing field 'format'");
  // nlohmann's own text follows the position; only our part is pinned here.
  EXPECT_TRUE(read_error("").starts_with("graph JSON: parse error at line 1, column 1: ")) << read_error("");
  EXPECT_TRUE(read_error("{\"format\": ").starts_with("graph JSON: parse error at line 1, column 12: "));
  EXPECT_TRUE(read_error("{\"format\": \"graphc-ir\",\n \"version\": 1,,}").starts_with("graph JSON: parse error at line 2"));
  EXPECT_TRUE(read_error("{\"name\": \"\xff\"}").starts_with("graph JSON: parse error at line 1, column 11: "));
  // nlohmann reports this one as out_of_range, not parse_error (found by the fuzzer).
  EXPECT_EQ(read_error("{\"version\": 1e999}"), "graph JSON: number overflow parsing '1e999'");
}

TEST(JsonReject, DocumentFields) {
  expect_rejections(
      testing::tiny_graph(),
      {
          {"wrong format", [](json& j) { j["format"] = "onnx"; }, "graph JSON: format is 'onnx', expected 'graphc-ir'"},
          {"format type", [](json& j) { j["format"] = 1; }, "graph JSON: format must be a string, got integer"},
          {"newer version", [](json& j) { j["version"] = 2; },
           "graph JSON: unsupported version 2 (this graphc reads version 1)"},
          {"version type", [](json& j) { j["version"] = "1"; }, "graph JSON: version must be an integer, got string"},
          {"unknown field", [](json& j) { j["comment"] = "hi"; }, "graph JSON: unknown field 'comment'"},
          {"name type", [](json& j) { j["name"] = 5; }, "graph JSON: name must be a string, got integer"},
          {"missing nodes", [](json& j) { j.erase("nodes"); }, "graph JSON: missing field 'nodes'"},
          {"nodes type", [](json& j) { j["nodes"] = json::object(); }, "graph JSON: nodes must be an array, got object"},
          {"missing outputs", [](json& j) { j.erase("outputs"); }, "graph JSON: missing field 'outputs'"},
      });
}

TEST(JsonReject, NodeStructure) {
  expect_rejections(
      testing::tiny_graph(),
      {
          {"node type", [](json& j) { j["nodes"][3] = 7; }, "graph JSON: node 3: a node must be an object, got integer"},
          {"id not position", [](json& j) { j["nodes"][3]["id"] = 4; },
           "graph JSON: node 3: id is 4, expected 3 (ids are positions in \"nodes\")"},
          {"id type", [](json& j) { j["nodes"][3]["id"] = 3.0; }, "graph JSON: node 3: id must be an integer, got float"},
          {"unknown op", [](json& j) { j["nodes"][3]["op"] = "matmal"; }, "graph JSON: node 3: unknown op 'matmal'"},
          {"unknown node field", [](json& j) { j["nodes"][3]["shape"] = json::array(); },
           "graph JSON: node 3: unknown field 'shape'"},
          {"missing type", [](json& j) { j["nodes"][3].erase("type"); }, "graph JSON: node 3: missing field 'type'"},
          {"missing attrs", [](json& j) { j["nodes"][5].erase("attrs"); }, "graph JSON: node 5: missing field 'attrs'"},
          {"operands type", [](json& j) { j["nodes"][5]["operands"] = 4; },
           "graph JSON: node 5: operands must be an array, got integer"},
          {"operand type", [](json& j) { j["nodes"][5]["operands"][0] = 1.5; },
           "graph JSON: node 5: operand must be an integer, got float"},
          {"self reference", [](json& j) { j["nodes"][5]["operands"][0] = 5; },
           "graph JSON: node 5: operand 5 refers to the node itself"},
          {"forward reference (a cycle)", [](json& j) { j["nodes"][4]["operands"][0] = 5; },
           "graph JSON: node 4: operand 5 is not an earlier node (operands must refer to earlier ids)"},
          {"dangling reference", [](json& j) { j["nodes"][3]["operands"][1] = 100; },
           "graph JSON: node 3: operand 100 is not an earlier node (operands must refer to earlier ids)"},
          {"negative reference", [](json& j) { j["nodes"][3]["operands"][1] = -1; },
           "graph JSON: node 3: operand -1 is not an earlier node (operands must refer to earlier ids)"},
          {"operand count", [](json& j) { j["nodes"][5]["operands"].push_back(3); },
           "graph JSON: node 5: relu: takes 1 operand, got 2"},
      });
}

TEST(JsonReject, Types) {
  expect_rejections(
      testing::tiny_graph(),
      {
          {"type type", [](json& j) { j["nodes"][0]["type"] = "f32"; },
           "graph JSON: node 0: type must be an object, got string"},
          {"unknown dtype", [](json& j) { j["nodes"][0]["type"]["dtype"] = "f31"; },
           "graph JSON: node 0: type.dtype: unknown dtype 'f31'"},
          {"shape type", [](json& j) { j["nodes"][0]["type"]["shape"] = "[N,4]"; },
           "graph JSON: node 0: type.shape must be an array, got string"},
          {"rank too large", [](json& j) { j["nodes"][0]["type"]["shape"] = {-1, 1, 1, 1, 1, 1, 1, 1, 1}; },
           "graph JSON: node 0: type f32[N,1,1,1,1,1,1,1,1]: rank 9 exceeds 8"},
          {"huge dimension", [](json& j) { j["nodes"][0]["type"]["shape"] = {-1, int64_t{1} << 40}; },
           "graph JSON: node 0: type f32[N,1099511627776]: dimension 1099511627776 is larger than 2^31"},
          {"too many elements", [](json& j) { j["nodes"][0]["type"]["shape"] = {1 << 30, 1 << 30}; },
           "graph JSON: node 0: type f32[1073741824,1073741824]: more than 2^40 elements"},
          {"N twice", [](json& j) { j["nodes"][0]["type"]["shape"] = {-1, -1}; },
           "graph JSON: node 0: type f32[N,N]: the batch symbol N appears more than once"},
          {"zero dimension", [](json& j) { j["nodes"][0]["type"]["shape"] = {-1, 0}; },
           "graph JSON: node 0: type f32[N,0]: dimension 0 is not positive"},
          {"recorded type differs", [](json& j) { j["nodes"][5]["type"]["shape"] = {-1, 4}; },
           "graph JSON: node 5: recorded type f32[N,4] but relu produces f32[N,3]"},
          {"recorded dtype differs", [](json& j) { j["nodes"][5]["type"]["dtype"] = "f64"; },
           "graph JSON: node 5: recorded type f64[N,3] but relu produces f32[N,3]"},
          {"shape error", [](json& j) { j["nodes"][1]["type"]["shape"] = {3, 5}; },
           "graph JSON: node 3: matmul(f32[N,4], f32[3,5]): inner dimensions differ (4 vs 5)"},
      });
}

TEST(JsonReject, Attributes) {
  expect_rejections(
      testing::tiny_graph(),
      {
          {"unknown attribute", [](json& j) { j["nodes"][5]["attrs"]["alpha"] = 0.1; },
           "graph JSON: node 5: relu has no attribute 'alpha'"},
          {"missing attribute", [](json& j) { j["nodes"][3]["attrs"].erase("transpose_b"); },
           "graph JSON: node 3: matmul: missing attribute 'transpose_b'"},
          {"bool given int", [](json& j) { j["nodes"][3]["attrs"]["transpose_a"] = 1; },
           "graph JSON: node 3: attribute 'transpose_a' must be a bool, got integer"},
          {"float list given string", [](json& j) { j["nodes"][1]["attrs"]["init_args"][1] = "half"; },
           "graph JSON: node 1: attribute 'init_args'[1] must be a number (or \"inf\", \"-inf\", \"nan\"), got string"},
          {"attrs type", [](json& j) { j["nodes"][5]["attrs"] = json::array(); },
           "graph JSON: node 5: attrs must be an object, got array"},
          {"unknown input role", [](json& j) { j["nodes"][0]["attrs"]["role"] = "image"; },
           "graph JSON: node 0: input(): unknown input role \"image\" (data, label, state or seed)"},
          {"unknown init", [](json& j) { j["nodes"][1]["attrs"]["init"] = "kaiming"; },
           "graph JSON: node 1: parameter(): parameter fc.weight: unknown init \"kaiming\" (zeros, ones, constant, "
           "uniform or normal)"},
          {"init arity", [](json& j) { j["nodes"][2]["attrs"]["init_args"] = {1.0}; },
           "graph JSON: node 2: parameter(): parameter fc.bias: init zeros takes 0 arguments, got 1"},
      });
}

TEST(JsonReject, HostileAttributeValues) {
  const int64_t huge = int64_t{1} << 62;
  expect_rejections(
      testing::op_example_graph(OpKind::conv2d),
      {
          {"int list given float", [](json& j) { j["nodes"][2]["attrs"]["stride"][0] = 1.5; },
           "graph JSON: node 2: attribute 'stride'[0] must be an integer, got float"},
          {"int beyond int64", [](json& j) { j["nodes"][2]["attrs"]["stride"][0] = uint64_t{1} << 63; },
           "graph JSON: node 2: attribute 'stride'[0] is out of range"},
          {"huge stride", [=](json& j) { j["nodes"][2]["attrs"]["stride"][0] = huge; },
           "graph JSON: node 2: conv2d(f32[N,4,9,9], f32[6,2,3,3]): stride values must be in [1, 2^31], got "
           "[4611686018427387904,1]"},
          {"huge dilation", [=](json& j) { j["nodes"][2]["attrs"]["dilation"][1] = huge; },
           "graph JSON: node 2: conv2d(f32[N,4,9,9], f32[6,2,3,3]): dilation values must be in [1, 2^31], got "
           "[1,4611686018427387904]"},
          {"huge padding", [](json& j) { j["nodes"][2]["attrs"]["padding"][0] = int64_t{1} << 31; },
           "graph JSON: node 2: conv2d(f32[N,4,9,9], f32[6,2,3,3]): result [N,6,2147483652,5]: dimension 2147483652 is "
           "larger than 2^31"},
          {"huge groups", [=](json& j) { j["nodes"][2]["attrs"]["groups"] = huge; },
           "graph JSON: node 2: conv2d(f32[N,4,9,9], f32[6,2,3,3]): input channels 4 and output channels 6 must both "
           "divide by groups=4611686018427387904"},
      });
  expect_rejections(testing::op_example_graph(OpKind::pad),
                    {
                        {"huge pad", [=](json& j) { j["nodes"][1]["attrs"]["high"][1] = huge; },
                         "graph JSON: node 1: pad(f32[N,3,4]): axis 1: padding must be in [0, 2^31], got low 1 high "
                         "4611686018427387904"},
                    });
  expect_rejections(testing::op_example_graph(OpKind::one_hot),
                    {
                        {"huge classes", [](json& j) { j["nodes"][1]["attrs"]["classes"] = int64_t{1} << 40; },
                         "graph JSON: node 1: one_hot(i32[N]): classes must be in [1, 2^31], got 1099511627776"},
                    });
  expect_rejections(testing::op_example_graph(OpKind::max_pool2d),
                    {
                        {"huge kernel", [=](json& j) { j["nodes"][1]["attrs"]["kernel"] = {huge, huge}; },
                         "graph JSON: node 1: max_pool2d(f32[N,3,8,8]): kernel values must be in [1, 2^31], got "
                         "[4611686018427387904,4611686018427387904]"},
                    });
  expect_rejections(testing::op_example_graph(OpKind::constant),
                    {
                        {"float as other string", [](json& j) { j["nodes"][0]["attrs"]["value"] = "infinity"; },
                         "graph JSON: node 0: attribute 'value' must be a number (or \"inf\", \"-inf\", \"nan\"), got "
                         "string"},
                    });
  expect_rejections(testing::op_example_graph(OpKind::cast),
                    {
                        {"unknown dtype attribute", [](json& j) { j["nodes"][1]["attrs"]["dtype"] = "int"; },
                         "graph JSON: node 1: attribute 'dtype': unknown dtype 'int'"},
                    });
}

TEST(JsonReject, NamesAndOutputs) {
  expect_rejections(
      testing::tiny_graph(),
      {
          {"duplicate input", [](json& j) {
             j["nodes"][2] = {{"id", 2}, {"op", "input"}, {"operands", json::array()},
                              {"attrs", {{"name", "x"}, {"role", "data"}}}, {"type", {{"dtype", "f32"}, {"shape", {3}}}}};
           },
           "graph JSON: node 2: input name 'x' is already used by node 0"},
          {"duplicate parameter", [](json& j) { j["nodes"][2]["attrs"]["name"] = "fc.weight"; },
           "graph JSON: node 2: parameter name 'fc.weight' is already used by node 1"},
          {"duplicate output", [](json& j) { j["outputs"].push_back(j["outputs"][0]); },
           "graph JSON: output 1: output name 'y' is used twice"},
          {"output of a missing value", [](json& j) { j["outputs"][0]["value"] = 6; },
           "graph JSON: output 0: output 'y' refers to value 6, but the graph has 6 nodes"},
          {"output of a negative value", [](json& j) { j["outputs"][0]["value"] = -1; },
           "graph JSON: output 0: output 'y' refers to value -1, but the graph has 6 nodes"},
          {"unknown role", [](json& j) { j["outputs"][0]["role"] = "logits"; },
           "graph JSON: output 0: unknown role 'logits' (loss, correct, prediction, gradient, state or value)"},
          {"output value type", [](json& j) { j["outputs"][0]["value"] = "5"; },
           "graph JSON: output 0: value must be an integer, got string"},
          {"output type", [](json& j) { j["outputs"][0] = "y"; }, "graph JSON: output 0: an output must be an object, got string"},
          {"output field", [](json& j) { j["outputs"][0]["shape"] = 1; }, "graph JSON: output 0: unknown field 'shape'"},
          {"outputs type", [](json& j) { j["outputs"] = "y"; }, "graph JSON: outputs must be an array, got string"},
      });
}

TEST(JsonReject, DeeplyNestedGarbage) {
  const int depth = 100000;
  std::string nested = std::string(depth, '[') + std::string(depth, ']');
  EXPECT_EQ(read_error(nested), "graph JSON: the document must be an object, got array");
  json doc = graph_to_json(testing::tiny_graph());
  std::string text = doc.dump();
  std::string needle = R"("transpose_a":false)";
  text.replace(text.find(needle), needle.size(), "\"transpose_a\":" + nested);
  EXPECT_EQ(read_error(text), "graph JSON: node 3: attribute 'transpose_a' must be a bool, got array");
  std::string objects;
  for (int i = 0; i < depth; ++i) objects += "{\"a\":";
  objects += "1" + std::string(depth, '}');
  EXPECT_EQ(read_error(objects), "graph JSON: missing field 'format'");
}

}  // namespace
}  // namespace graphc
