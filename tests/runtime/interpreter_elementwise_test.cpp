// Elementwise ops on hand-worked values: unary formulas, broadcasting (with N
// bound from the feeds), comparisons, select, casts and integer results.
#include <limits>

#include "interpreter_test_util.h"

namespace graphc::runtime::interpreter_testing {
namespace {

constexpr double kE = 2.718281828459045;
constexpr double kLn3 = 1.0986122886681098;
const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

HostTensor unary(Tensor (*op)(Tensor), const HostTensor& value) {
  OpRunner r;
  return r.run(op(r.input("x", value)));
}

HostTensor binary(Tensor (*op)(Tensor, Tensor), const HostTensor& a, const HostTensor& b) {
  OpRunner r;
  return r.run(op(r.input("a", a), r.input("b", b)));
}

INTERPRETER_OP_TEST(neg, Values) {
  expect_tensor(unary(neg, f32({3}, {1, -2.5, 0})), DType::f32, {3}, {-1, 2.5, -0.0});
}

INTERPRETER_OP_TEST(exp, Values) { expect_tensor(unary(exp, f32({2}, {0, 1})), DType::f32, {2}, {1, kE}, 1e-15); }

INTERPRETER_OP_TEST(log, Values) {
  expect_tensor(unary(log, f32({3}, {1, kE, 0})), DType::f32, {3}, {0, 1, -kInf}, 1e-15);
}

INTERPRETER_OP_TEST(sqrt, Values) { expect_tensor(unary(sqrt, f32({2}, {4, 2.25})), DType::f32, {2}, {2, 1.5}); }

INTERPRETER_OP_TEST(rsqrt, Values) { expect_tensor(unary(rsqrt, f32({2}, {4, 0.25})), DType::f32, {2}, {0.5, 2}); }

INTERPRETER_OP_TEST(tanh, Values) {
  // tanh(ln 3) = (3 - 1/3) / (3 + 1/3) = 0.8
  expect_tensor(unary(tanh, f32({3}, {0, kLn3, -kLn3})), DType::f32, {3}, {0, 0.8, -0.8}, 1e-15);
}

INTERPRETER_OP_TEST(sigmoid, ValuesAndSaturation) {
  // sigmoid(ln 3) = 1 / (1 + 1/3) = 0.75; huge arguments saturate without NaN.
  expect_tensor(unary(sigmoid, f32({5}, {0, kLn3, -kLn3, 1000, -1000})), DType::f32, {5}, {0.5, 0.75, 0.25, 1, 0},
                1e-15);
}

INTERPRETER_OP_TEST(relu, ValuesAndNaN) {
  expect_tensor(unary(relu, f32({4}, {-1, 0, 2.5, kNaN})), DType::f32, {4}, {0, 0, 2.5, kNaN});
}

INTERPRETER_OP_TEST(abs, FloatAndInteger) {
  expect_tensor(unary(abs, f32({2}, {-3.5, 2})), DType::f32, {2}, {3.5, 2});
  expect_tensor(unary(abs, i32({2}, {-7, 7})), DType::i32, {2}, {7, 7});
}

INTERPRETER_OP_TEST(cast, FloatToIntTruncatesTowardZero) {
  OpRunner r;
  HostTensor out = r.run(cast(r.input("x", f32({5}, {-2.7, 2.7, -0.5, 3, 1e9})), DType::i32));
  expect_tensor(out, DType::i32, {5}, {-2, 2, 0, 3, 1e9});
}

INTERPRETER_OP_TEST(cast, ToAndFromBool) {
  OpRunner r;
  Tensor x = r.input("x", f32({4}, {0, -0.5, kNaN, 2}));
  Tensor as_bool = cast(x, DType::boolean);
  Tensor back = cast(as_bool, DType::f32);
  r.b.output("bool", as_bool, OutputRole::value);
  HostTensor out = r.run(back);
  expect_tensor(interpret(r.g, r.feeds).at("bool"), DType::boolean, {4}, {0, 1, 1, 1});
  expect_tensor(out, DType::f32, {4}, {0, 1, 1, 1});
}

INTERPRETER_OP_TEST(cast, IntToFloatIsExact) {
  OpRunner r;
  expect_tensor(r.run(cast(r.input("x", i32({2}, {-5, 16777217})), DType::f64)), DType::f64, {2}, {-5, 16777217});
}

INTERPRETER_OP_TEST(add, BroadcastsABiasOverN) {
  // x: f32[N,3] fed with N = 2, bias f32[3].
  OpRunner r;
  Tensor x = r.input("x", f32({2, 3}, {1, 2, 3, 4, 5, 6}), {kBatch, 3});
  Tensor bias = r.input("bias", f32({3}, {10, 20, 30}));
  expect_tensor(r.run(x + bias), DType::f32, {2, 3}, {11, 22, 33, 14, 25, 36});
}

INTERPRETER_OP_TEST(add, IntegerWrapsAt32Bits) {
  expect_tensor(binary(operator+, i32({2}, {2147483647, -2147483648.0}), i32({2}, {1, -1})), DType::i32, {2},
                {-2147483648.0, 2147483647});
}

INTERPRETER_OP_TEST(sub, BroadcastsBothOperands) {
  // [1,2] row minus [2,1] column -> [2,2]: out[i][j] = a[j] - b[i].
  expect_tensor(binary(operator-, f32({1, 2}, {1, 2}), f32({2, 1}, {10, 20})), DType::f32, {2, 2}, {-9, -8, -19, -18});
}

INTERPRETER_OP_TEST(mul, ScalarBroadcast) {
  OpRunner r;
  expect_tensor(r.run(r.input("x", f32({2, 2}, {1, 2, 3, 4})) * 0.5), DType::f32, {2, 2}, {0.5, 1, 1.5, 2});
}

INTERPRETER_OP_TEST(div, FloatDivision) {
  expect_tensor(binary(operator/, f32({3}, {1, 1, -1}), f32({3}, {4, 0, 0})), DType::f32, {3}, {0.25, kInf, -kInf});
}

INTERPRETER_OP_TEST(div, IntegerDivisionTruncates) {
  expect_tensor(binary(operator/, i32({4}, {7, -7, 7, -7}), i32({4}, {2, 2, -2, -2})), DType::i32, {4}, {3, -3, -3, 3});
}

INTERPRETER_OP_TEST(div, IntegerDivisionByZeroIsAnError) {
  try {
    binary(operator/, i32({2}, {1, 2}), i32({2}, {1, 0}));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("div"), std::string::npos) << e.what();
  }
}

INTERPRETER_OP_TEST(max, BroadcastAndNaN) {
  expect_tensor(binary(maximum, f32({4}, {1, 5, kNaN, -2}), f32({}, {3})), DType::f32, {4}, {3, 5, kNaN, 3});
  expect_tensor(binary(maximum, f32({1}, {3}), f32({1}, {kNaN})), DType::f32, {1}, {kNaN});
}

INTERPRETER_OP_TEST(min, BroadcastAndNaN) {
  expect_tensor(binary(minimum, f32({4}, {1, 5, kNaN, -2}), f32({}, {3})), DType::f32, {4}, {1, 3, kNaN, -2});
  expect_tensor(binary(minimum, f32({1}, {3}), f32({1}, {kNaN})), DType::f32, {1}, {kNaN});
}

INTERPRETER_OP_TEST(pow, Values) {
  expect_tensor(binary(pow, f32({3}, {2, 9, 4}), f32({3}, {3, 0.5, -1})), DType::f32, {3}, {8, 3, 0.25});
}

// a = [1,2,3] against b = 2.
HostTensor compare(Tensor (*op)(Tensor, Tensor)) { return binary(op, f32({3}, {1, 2, 3}), f32({}, {2})); }

INTERPRETER_OP_TEST(eq, Values) { expect_tensor(compare(eq), DType::boolean, {3}, {0, 1, 0}); }
INTERPRETER_OP_TEST(ne, Values) { expect_tensor(compare(ne), DType::boolean, {3}, {1, 0, 1}); }
INTERPRETER_OP_TEST(lt, Values) { expect_tensor(compare(lt), DType::boolean, {3}, {1, 0, 0}); }
INTERPRETER_OP_TEST(le, Values) { expect_tensor(compare(le), DType::boolean, {3}, {1, 1, 0}); }
INTERPRETER_OP_TEST(gt, Values) { expect_tensor(compare(gt), DType::boolean, {3}, {0, 0, 1}); }
INTERPRETER_OP_TEST(ge, Values) { expect_tensor(compare(ge), DType::boolean, {3}, {0, 1, 1}); }

INTERPRETER_OP_TEST(eq, IntegerLabels) {
  expect_tensor(binary(eq, i32({3}, {1, 2, 3}), i32({3}, {1, 0, 3})), DType::boolean, {3}, {1, 0, 1});
}

INTERPRETER_OP_TEST(select, BroadcastsAllThree) {
  // cond [2,1], a [1,3], b scalar -> [2,3]: row 0 takes a, row 1 takes b.
  OpRunner r;
  Tensor cond = r.input("c", HostTensor(DType::boolean, {2, 1}, {1, 0}));
  Tensor a = r.input("a", f32({1, 3}, {1, 2, 3}));
  Tensor b = r.input("b", f32({}, {-1}));
  expect_tensor(r.run(select(cond, a, b)), DType::f32, {2, 3}, {1, 2, 3, -1, -1, -1});
}

}  // namespace
}  // namespace graphc::runtime::interpreter_testing
