// The JSON fuzzer's seed corpus (tests/fuzz/corpus) stays meaningful: every
// valid_* seed is accepted and round-trips, every invalid_* seed is rejected,
// and the generated seeds equal what the current writer produces for the op
// examples, so the fuzzer starts from every op in today's format. After a
// deliberate change, regenerate with
//   GRAPHC_UPDATE_FUZZ_CORPUS=1 test_ir --gtest_filter='FuzzCorpus.*'
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "ir/json.h"
#include "ir/printer.h"
#include "tests/ir/op_examples.h"
#include "tests/ir/tiny_graph.h"

namespace graphc {
namespace {

namespace fs = std::filesystem;

const fs::path kCorpus = fs::path(GRAPHC_SOURCE_DIR) / "tests" / "fuzz" / "corpus";

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::pair<std::string, Graph>> generated_seeds() {
  std::vector<std::pair<std::string, Graph>> seeds;
  seeds.emplace_back("valid_tiny.json", testing::tiny_graph());
  for (OpClass cls : {OpClass::source, OpClass::elementwise, OpClass::reduction, OpClass::movement,
                      OpClass::contraction, OpClass::other})
    seeds.emplace_back(cat("valid_", op_class_name(cls), "_ops.json"), testing::op_class_graph(cls));
  return seeds;
}

TEST(FuzzCorpus, GeneratedSeedsAreCurrent) {
  bool update = std::getenv("GRAPHC_UPDATE_FUZZ_CORPUS") != nullptr;
  for (const auto& [name, graph] : generated_seeds()) {
    SCOPED_TRACE(name);
    std::string text = graph_to_json_text(graph);
    if (update) std::ofstream(kCorpus / name, std::ios::binary) << text;
    EXPECT_EQ(read_file(kCorpus / name), text) << "regenerate: GRAPHC_UPDATE_FUZZ_CORPUS=1 test_ir "
                                                   "--gtest_filter='FuzzCorpus.*'";
  }
}

TEST(FuzzCorpus, SeedsAreAcceptedOrRejectedAsNamed) {
  int valid = 0, invalid = 0;
  for (const auto& entry : fs::directory_iterator(kCorpus)) {
    std::string name = entry.path().filename().string();
    SCOPED_TRACE(name);
    std::string text = read_file(entry.path());
    if (name.starts_with("valid_")) {
      ++valid;
      Graph g = graph_from_json_text(text);
      EXPECT_EQ(print_graph(graph_from_json_text(graph_to_json_text(g))), print_graph(g));
    } else if (name.starts_with("invalid_")) {
      ++invalid;
      EXPECT_THROW(graph_from_json_text(text), Error);
    } else {
      ADD_FAILURE() << "corpus files are named valid_* or invalid_*";
    }
  }
  EXPECT_GE(valid, 7);
  EXPECT_GE(invalid, 5);
}

}  // namespace
}  // namespace graphc
