// Short rolled loops whose extent is not a multiple of a vector run their
// remainder as a last vector overlapping the one before (function_emitter.cpp):
// iterations [6, 8) of a 14-wide row run twice. That is right only when an
// iteration may run twice, so the emitter must not do it when an output is
// written over an input in place, nor when the loop reads what it stores.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "codegen/cpu/llvm_module.h"
#include "codegen/kernel_ir.h"
#include "tests/codegen/codegen_test_util.h"

namespace graphc::codegen {
namespace {

constexpr int64_t kRows = 3, kRow = 14;  // a row of 14: 8 + 8 overlapping with AVX-512 or AVX2

// to[r, i] = from[r, i] * 3 over kRows rows of kRow, the row loop marked for
// vectorisation as lowering marks it.
Kernel triple_rows(bool in_place_buffers, bool writes_in_place) {
  Kernel k;
  k.name = "triple_rows";
  const BufferId from = k.add_buffer({"%0", DType::f32, SizeExpr(kRows * kRow), BufferRole::input, 0});
  const BufferId to = in_place_buffers ? from : k.add_buffer({"%1", DType::f32, SizeExpr(kRows * kRow), BufferRole::output, 1});
  k.writes_in_place = writes_in_place;
  const VarId r = k.new_var(), i = k.new_var();
  const AffineIndex at = AffineIndex::of_var(r).scaled(SizeExpr(kRow)) + AffineIndex::of_var(i);
  ExprPtr tripled = make_op(OpKind::mul, {make_load(from, at, DType::f32), make_constant(3, DType::f32)}, DType::f32);
  Stmt row = make_loop(i, SizeExpr(kRow), {make_store(to, at, tripled)}, false, /*vectorize=*/true);
  k.body.push_back(make_loop(r, SizeExpr(kRows), {row}, /*parallel=*/true));
  return k;
}

// The hint as emitted, before LLVM folds it into its own loop metadata.
bool has_width_hint(const Kernel& k) {
  const std::string ir = cpu::emit_module({k}, "tail_" + k.name, cpu::CpuTarget::host(), /*optimize=*/false).text();
  return ir.find("llvm.loop.vectorize.width") != std::string::npos;
}

// Runs k over `buffers` (one or two pointers to the same or to distinct data).
void run(const Kernel& k, std::vector<void*> buffers, const std::string& module_name) {
  cpu::JitModule m = testing::shared_jit().add(cpu::emit_module({k}, module_name, cpu::CpuTarget::host()));
  m.lookup(k.name)(buffers.data(), 1, testing::test_runtime());
}

std::vector<float> ramp() {
  std::vector<float> v(kRows * kRow);
  for (size_t j = 0; j < v.size(); ++j) v[j] = static_cast<float>(j) + 1;
  return v;
}

void expect_tripled_once(const std::vector<float>& got) {
  const std::vector<float> in = ramp();
  for (size_t j = 0; j < got.size(); ++j) EXPECT_EQ(got[j], in[j] * 3) << "element " << j;
}

TEST(CodegenOverlappedTail, DistinctBuffersRunTheRemainderAsAnOverlappingVector) {
  const Kernel k = triple_rows(false, false);
  EXPECT_TRUE(has_width_hint(k));
  std::vector<float> in = ramp(), out(in.size(), -1);
  run(k, {in.data(), out.data()}, "tail_distinct");
  expect_tripled_once(out);
}

TEST(CodegenOverlappedTail, AnInPlaceOutputKeepsEachIterationToOneRun) {
  // The same kernel, its output planned over its input: an iteration run
  // twice would triple [6, 8) twice.
  const Kernel k = triple_rows(false, true);
  EXPECT_FALSE(has_width_hint(k));
  std::vector<float> data = ramp();
  run(k, {data.data(), data.data()}, "tail_in_place");
  expect_tripled_once(data);
}

TEST(CodegenOverlappedTail, ALoopReadingWhatItStoresKeepsEachIterationToOneRun) {
  const Kernel k = triple_rows(true, false);
  EXPECT_FALSE(has_width_hint(k));
  std::vector<float> data = ramp();
  run(k, {data.data()}, "tail_self");
  expect_tripled_once(data);
}

}  // namespace
}  // namespace graphc::codegen
