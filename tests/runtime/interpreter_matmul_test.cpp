// matmul on hand-worked values, both transpose flags, batching, and a naive
// triple loop on shapes that exercise the blocked kernel's row remainder.
#include <random>

#include "interpreter_test_util.h"

namespace graphc::runtime::interpreter_testing {
namespace {

// a = [[1,2,3],[4,5,6]], b = [[7,8],[9,10],[11,12]]:
// a @ b = [[1*7+2*9+3*11, 1*8+2*10+3*12], [4*7+5*9+6*11, 4*8+5*10+6*12]].
const std::vector<double> kA{1, 2, 3, 4, 5, 6}, kB{7, 8, 9, 10, 11, 12}, kAB{58, 64, 139, 154};

INTERPRETER_OP_TEST(matmul, TwoByThreeTimesThreeByTwo) {
  OpRunner r;
  Tensor a = r.input("a", f32({2, 3}, kA)), b = r.input("b", f32({3, 2}, kB));
  expect_tensor(r.run(matmul(a, b)), DType::f32, {2, 2}, kAB);
}

INTERPRETER_OP_TEST(matmul, TransposeFlags) {
  // The same product from a stored as [3,2] and b stored as [2,3].
  OpRunner r;
  Tensor at = r.input("at", f32({3, 2}, {1, 4, 2, 5, 3, 6}));
  Tensor bt = r.input("bt", f32({2, 3}, {7, 9, 11, 8, 10, 12}));
  Tensor a = r.input("a", f32({2, 3}, kA)), b = r.input("b", f32({3, 2}, kB));
  r.b.output("ta", matmul(at, b, true, false), OutputRole::value);
  r.b.output("tb", matmul(a, bt, false, true), OutputRole::value);
  r.b.output("tab", matmul(at, bt, true, true), OutputRole::value);
  TensorMap out = interpret(r.g, r.feeds);
  for (const char* name : {"ta", "tb", "tab"}) {
    SCOPED_TRACE(name);
    expect_tensor(out.at(name), DType::f32, {2, 2}, kAB);
  }
}

INTERPRETER_OP_TEST(matmul, BatchedWithSharedRank2B) {
  // a[N,2,2] = [identity, 2 * identity], b[2,2] shared by both batches.
  OpRunner r;
  Tensor a = r.input("a", f32({2, 2, 2}, {1, 0, 0, 1, 2, 0, 0, 2}), {kBatch, 2, 2});
  Tensor b = r.input("b", f32({2, 2}, {1, 2, 3, 4}));
  expect_tensor(r.run(matmul(a, b)), DType::f32, {2, 2, 2}, {1, 2, 3, 4, 2, 4, 6, 8});
}

INTERPRETER_OP_TEST(matmul, BatchedPerBatchB) {
  // Batch 0: [1,2] @ [[1],[1]] = 3; batch 1: [3,4] @ [[2],[0]] = 6.
  OpRunner r;
  Tensor a = r.input("a", f32({2, 1, 2}, {1, 2, 3, 4}));
  Tensor b = r.input("b", f32({2, 2, 1}, {1, 1, 2, 0}));
  expect_tensor(r.run(matmul(a, b)), DType::f32, {2, 1, 1}, {3, 6});
}

INTERPRETER_OP_TEST(matmul, MatchesNaiveLoopsOnOddShapes) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<double> dist(-1, 1);
  for (auto [M, K, P] : {std::array<int64_t, 3>{7, 5, 3}, {4, 1, 9}, {1, 6, 1}, {9, 8, 5}}) {
    for (bool ta : {false, true})
      for (bool tb : {false, true}) {
        SCOPED_TRACE(cat(M, "x", K, "x", P, " ta=", ta, " tb=", tb));
        std::vector<double> av(M * K), bv(K * P);
        for (auto& v : av) v = dist(rng);
        for (auto& v : bv) v = dist(rng);
        // Stored layouts: a is [K,M] when transposed, b is [P,K].
        auto a_at = [&](int64_t i, int64_t k) { return ta ? av[k * M + i] : av[i * K + k]; };
        auto b_at = [&](int64_t k, int64_t j) { return tb ? bv[j * K + k] : bv[k * P + j]; };
        std::vector<double> want(M * P, 0.0);
        for (int64_t i = 0; i < M; ++i)
          for (int64_t j = 0; j < P; ++j)
            for (int64_t k = 0; k < K; ++k) want[i * P + j] += a_at(i, k) * b_at(k, j);
        OpRunner r;
        Tensor a = r.input("a", HostTensor(DType::f64, ta ? Shape{K, M} : Shape{M, K}, av));
        Tensor b = r.input("b", HostTensor(DType::f64, tb ? Shape{P, K} : Shape{K, P}, bv));
        expect_tensor(r.run(matmul(a, b, ta, tb)), DType::f64, {M, P}, want, 1e-14);
      }
  }
}

}  // namespace
}  // namespace graphc::runtime::interpreter_testing
