// The CPU backend's outputs other than running kernels: that every computing
// op has a lowering (and what lacking one looks like), the kernel IR's shape for a
// broadcast, the printed LLVM module and the object file.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "codegen/cpu/llvm_module.h"
#include "tests/codegen/codegen_test_util.h"

namespace graphc::codegen::testing {
namespace {

TEST(CodegenCoverage, EveryComputingOpHasALowering) {
  std::vector<std::string> missing;
  for (const OpInfo& info : all_ops())
    if (info.cls != OpClass::source && !is_lowered(info.kind)) missing.emplace_back(info.name);
  std::string list;
  for (const std::string& name : missing) {
    if (!list.empty()) list += " ";
    list += name;
  }
  // Every computing op has a lowering (and its test): a new op needs both.
  EXPECT_EQ(list, "") << "ops without a kernel lowering: " << list;
}

TEST(CodegenCoverage, AnOpWithoutALoweringIsAnErrorNamingIt) {
  Graph g;
  ValueId x = g.add_input("x", {DType::f32, {kBatch, 5}}, InputRole::data);
  try {
    lower_group(g, make_group(g, {x}));  // a source inside a group: nothing lowers it
    FAIL() << "an input lowered without a lowering";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("input"), std::string::npos) << e.what();
  }
}

TEST(CodegenKernelIr, BroadcastIsAZeroCoefficientAndNStaysSymbolic) {
  Graph g;
  ValueId a = g.add_input("a", {DType::f32, {kBatch, 4}}, InputRole::data);
  ValueId b = g.add_input("b", {DType::f32, {4}}, InputRole::data);
  ValueId sum = g.add(OpKind::add, {a, b});
  const Kernel k = lower_group(g, make_group(g, {sum}));
  ASSERT_EQ(k.buffers.size(), 3u);
  EXPECT_EQ(k.buffers[0].elements, SizeExpr(0, 4));  // 4*n elements
  ASSERT_EQ(k.body.size(), 1u);
  const Stmt& outer = k.body[0];
  ASSERT_EQ(outer.kind, StmtKind::loop);
  EXPECT_EQ(outer.extent, SizeExpr::batch());
  EXPECT_TRUE(outer.parallel);
  ASSERT_EQ(outer.body.size(), 1u);
  const Stmt& inner = outer.body[0];
  EXPECT_EQ(inner.extent, SizeExpr(4));
  EXPECT_TRUE(inner.vectorize);
  ASSERT_EQ(inner.body.size(), 2u);  // let s0 = add(...); store
  const Expr& add = *inner.body[0].value;
  ASSERT_EQ(add.kind, ExprKind::op);
  // a[4*i0 + i1], b[i1]: b does not depend on the outer variable.
  EXPECT_EQ(add.operands[0]->index, (AffineIndex{0, {{outer.var, 4}, {inner.var, 1}}}));
  EXPECT_EQ(add.operands[1]->index, (AffineIndex{0, {{inner.var, 1}}}));
}

Kernel add_kernel() {
  static Graph g;
  if (g.size() == 0) {
    ValueId a = g.add_input("a", {DType::f32, {kBatch, 64}}, InputRole::data);
    ValueId b = g.add_input("b", {DType::f32, {kBatch, 64}}, InputRole::data);
    g.add(OpKind::add, {a, b});
  }
  return lower_group(g, make_group(g, {2}), "add_rows");
}

TEST(CodegenLlvm, ModuleTextHasTheKernelAndAVectorisedLoop) {
  const std::string text = cpu::emit_llvm_text({add_kernel()}, "graphc_test");
  EXPECT_NE(text.find("define void @add_rows(ptr"), std::string::npos) << text;
  EXPECT_NE(text.find(" x float>"), std::string::npos) << "inner loop not vectorised:\n" << text;
}

TEST(CodegenLlvm, ObjectFileIsWritten) {
  const std::filesystem::path path = std::filesystem::temp_directory_path() / "graphc_codegen_test.o";
  cpu::write_object_file(cpu::emit_module({add_kernel()}, "graphc_test"), path.string());
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  in.read(magic, 4);
  EXPECT_EQ(std::string(magic, 4), "\x7f" "ELF");
  EXPECT_GT(std::filesystem::file_size(path), 100u);
  std::filesystem::remove(path);
}

TEST(CodegenLlvm, UnwritableObjectPathIsAnError) {
  EXPECT_THROW(cpu::write_object_file(cpu::emit_module({add_kernel()}, "graphc_test"), "/nonexistent/dir/k.o"),
               Error);
}

}  // namespace
}  // namespace graphc::codegen::testing
