// Every computing op of the table must have interpreter tests: a new op in
// ir/ops.def fails here until INTERPRETER_OP_TEST cases for it exist.
#include "interpreter_test_util.h"

namespace graphc::runtime::interpreter_testing {

std::set<OpKind>& tested_ops() {
  static std::set<OpKind> ops;
  return ops;
}

namespace {

TEST(InterpreterCoverage, EveryComputingOpHasATest) {
  for (const OpInfo& info : all_ops()) {
    if (info.cls == OpClass::source) continue;
    EXPECT_TRUE(tested_ops().count(info.kind)) << "op " << info.name << " has no INTERPRETER_OP_TEST";
  }
}

}  // namespace
}  // namespace graphc::runtime::interpreter_testing
