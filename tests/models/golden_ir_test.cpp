// Golden IR: the printed forward graph (train mode) of every registered model
// must equal tests/golden/<model>.ir byte for byte, so any change to a model,
// a layer or the printer shows up as a reviewable diff.
//
// After an intended change, regenerate the files and read the diff:
//   GRAPHC_UPDATE_GOLDEN=1 build/bin/test_models --gtest_filter='Golden*'
//   git diff tests/golden/
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "frontend/model_registry.h"
#include "ir/printer.h"

namespace graphc {
namespace {

std::string golden_path(const std::string& model) {
  return std::string(GRAPHC_SOURCE_DIR) + "/tests/golden/" + model + ".ir";
}

bool updating_golden() {
  const char* v = std::getenv("GRAPHC_UPDATE_GOLDEN");
  return v && std::string(v) == "1";
}

std::vector<std::string> model_names() {
  std::vector<std::string> names;
  for (const auto& m : registered_models()) names.push_back(m.name);
  return names;
}

class GoldenIr : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenIr, PrintedGraphMatchesTheGoldenFile) {
  const std::string& model = GetParam();
  std::string printed = print_graph(build_model(model));
  std::string path = golden_path(model);
  if (updating_golden()) {
    std::ofstream out(path, std::ios::binary);
    out << printed;
    ASSERT_TRUE(out.good()) << "cannot write " << path;
    return;
  }
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in.good()) << "no golden file " << path << "; create it with GRAPHC_UPDATE_GOLDEN=1";
  std::stringstream golden;
  golden << in.rdbuf();
  EXPECT_EQ(printed, golden.str()) << "the IR of " << model << " changed; if intended, rerun with "
                                   << "GRAPHC_UPDATE_GOLDEN=1 and review the diff of " << path;
}

// Generators run after static initialisation, when every model has registered.
INSTANTIATE_TEST_SUITE_P(Models, GoldenIr, ::testing::ValuesIn(model_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace graphc
