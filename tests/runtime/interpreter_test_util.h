// Shared helpers for the interpreter tests: a small harness that builds a
// one-output graph with the frontend, feeds it and runs it, and the registry
// behind the op-coverage test (every op's tests are declared with
// INTERPRETER_OP_TEST, so an op without one is reported).
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "frontend/builder.h"
#include "frontend/ops.h"
#include "runtime/interpreter.h"

namespace graphc::runtime::interpreter_testing {

// Ops that have at least one INTERPRETER_OP_TEST (filled at static
// initialisation, so it is complete whichever tests are selected to run).
std::set<OpKind>& tested_ops();
inline bool register_tested_op(OpKind k) {
  tested_ops().insert(k);
  return true;
}

#define INTERPRETER_OP_TEST(op, name)                                                   \
  [[maybe_unused]] static const bool interpreter_op_test_##op##_##name =                \
      ::graphc::runtime::interpreter_testing::register_tested_op(::graphc::OpKind::op); \
  TEST(Interp_##op, name)

inline HostTensor f32(Shape shape, std::vector<double> values) { return HostTensor(DType::f32, shape, values); }
inline HostTensor i32(Shape shape, std::vector<double> values) { return HostTensor(DType::i32, shape, values); }

// Builds a graph through `b`, feeds it and runs it.
class OpRunner {
 public:
  Graph g;
  Builder b{g};
  TensorMap feeds;

  // An input declared as `declared` (which may hold N), fed with `value`.
  Tensor input(const std::string& name, const HostTensor& value, Shape declared) {
    feeds[name] = value;
    return b.input(name, value.dtype, std::move(declared));
  }
  Tensor input(const std::string& name, const HostTensor& value) { return input(name, value, value.shape); }

  HostTensor run(Tensor result) {
    b.output("out", result, OutputRole::value);
    return interpret(g, feeds).at("out");
  }
};

// Exact comparison: the interpreter computes in double, and hand-worked
// values in these tests are exactly representable unless a tolerance is given.
inline void expect_tensor(const HostTensor& t, DType dtype, const Shape& shape, const std::vector<double>& want,
                          double tolerance = 0) {
  EXPECT_EQ(t.dtype, dtype) << dtype_name(t.dtype);
  EXPECT_EQ(t.shape, shape) << t.shape.str();
  ASSERT_EQ(t.data.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    if (std::isnan(want[i]))
      EXPECT_TRUE(std::isnan(t.data[i])) << "element " << i << " is " << t.data[i];
    else if (tolerance == 0 || std::isinf(want[i]))
      EXPECT_EQ(t.data[i], want[i]) << "element " << i;
    else
      EXPECT_NEAR(t.data[i], want[i], tolerance) << "element " << i;
  }
}

}  // namespace graphc::runtime::interpreter_testing
