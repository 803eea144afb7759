// NVRTC at graphc time: CUDA C becomes a cubin for sm_90 and PTX, any
// diagnostic fails the compile, fast math is refused, and the on-disk cache
// returns the very bytes a compile would, without compiling, and shrugs off
// corrupt entries. No GPU is needed: these run in CI.
#include <gtest/gtest.h>

#ifdef GRAPHC_HAVE_NVRTC

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "codegen/cuda/nvrtc_compiler.h"
#include "ir/error.h"
#include "tests/runtime/data_test_files.h"
#include "tests/scoped_env.h"

namespace graphc::codegen::cuda {
namespace {

using runtime::data::testing::read_bytes;
using runtime::data::testing::TempDir;
using runtime::data::testing::write_bytes;

const char* const kScaleKernel = R"(
extern "C" __global__ void scale(float* data, float factor, long long n) {
  long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;
  if (i < n) data[i] *= factor;
}
)";

using graphc::testing::ScopedEnv;

NvrtcOptions for_arch(const std::string& arch) {
  NvrtcOptions options;
  options.arch = arch;
  return options;
}

NvrtcOptions with_options(const std::vector<std::string>& extra) {
  NvrtcOptions options;
  options.extra = extra;
  return options;
}

NvrtcOptions with_include_dirs(const std::vector<std::string>& dirs) {
  NvrtcOptions options;
  options.include_dirs = dirs;
  return options;
}

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Nvrtc, CompilesAKernelToAnSm90CubinAndPtx) {
  CudaBinary binary = compile_with_nvrtc("scale.cu", kScaleKernel, NvrtcOptions{});
  ASSERT_GE(binary.cubin.size(), 20u);
  EXPECT_EQ(binary.cubin.substr(0, 4), std::string("\x7f"
                                                   "ELF"));
  // e_machine (bytes 18-19, little-endian) is EM_CUDA = 190.
  EXPECT_EQ(static_cast<unsigned char>(binary.cubin[18]), 190);
  EXPECT_EQ(binary.cubin[19], 0);
  EXPECT_NE(binary.ptx.find(".target sm_90"), std::string::npos) << binary.ptx;
  EXPECT_NE(binary.ptx.find(".entry scale"), std::string::npos) << binary.ptx;
  EXPECT_NE(binary.ptx.back(), '\0');
}

TEST(Nvrtc, CompilesForAnotherRealArch) {
  CudaBinary binary = compile_with_nvrtc("scale.cu", kScaleKernel, for_arch("sm_80"));
  EXPECT_NE(binary.ptx.find(".target sm_80"), std::string::npos);
}

TEST(Nvrtc, SameSourceGivesTheSameBytes) {
  // The cache and reproducible trainers both rest on this.
  CudaBinary first = compile_with_nvrtc("scale.cu", kScaleKernel, NvrtcOptions{});
  CudaBinary second = compile_with_nvrtc("scale.cu", kScaleKernel, NvrtcOptions{});
  EXPECT_EQ(first.cubin, second.cubin);
  EXPECT_EQ(first.ptx, second.ptx);
}

TEST(Nvrtc, SyntaxErrorThrowsWithTheCompilersMessage) {
  std::string message = error_of([] {
    compile_with_nvrtc("broken.cu", "extern \"C\" __global__ void k(float* x) { x[0] = undeclared_name; }",
                       NvrtcOptions{});
  });
  EXPECT_NE(message.find("broken.cu"), std::string::npos) << message;
  EXPECT_NE(message.find("sm_90"), std::string::npos) << message;
  EXPECT_NE(message.find("undeclared_name"), std::string::npos) << message;
  EXPECT_NE(message.find("error"), std::string::npos) << message;
}

TEST(Nvrtc, UnusedVariableWarningIsAnError) {
  std::string message = error_of([] {
    compile_with_nvrtc("unused.cu", "extern \"C\" __global__ void k(float* x) { int unused = 3; x[0] = 1.0f; }",
                       NvrtcOptions{});
  });
  EXPECT_NE(message.find("unused.cu"), std::string::npos) << message;
  EXPECT_NE(message.find("warning"), std::string::npos) << message;
  EXPECT_NE(message.find("\"unused\""), std::string::npos) << message;
}

TEST(Nvrtc, WarningDirectiveIsAnError) {
  std::string message = error_of([] {
    compile_with_nvrtc("directive.cu", std::string("#warning generated kernel is suspicious\n") + kScaleKernel,
                       NvrtcOptions{});
  });
  EXPECT_NE(message.find("generated kernel is suspicious"), std::string::npos) << message;
}

TEST(Nvrtc, RefusesFastMath) {
  for (const char* option :
       {"--use_fast_math", "-use_fast_math", "--ftz=true", "--prec-div=false", "-prec_sqrt=false"}) {
    std::string message = error_of([&] { nvrtc_command_line(with_options({option})); });
    EXPECT_NE(message.find("fast math"), std::string::npos) << option << ": " << message;
  }
  // Options that keep IEEE results pass.
  EXPECT_NO_THROW(nvrtc_command_line(with_options({"--ftz=false", "-lineinfo", "-DTILE=16"})));
}

TEST(Nvrtc, RefusesAVirtualArch) {
  std::string message = error_of([] { nvrtc_command_line(for_arch("compute_90")); });
  EXPECT_NE(message.find("compute_90"), std::string::npos) << message;
  EXPECT_NE(error_of([] { nvrtc_command_line(for_arch("sm_")); }), "");
  EXPECT_NE(error_of([] { nvrtc_command_line(for_arch("sm_90 --use_fast_math")); }), "");
  EXPECT_EQ(error_of([] { nvrtc_command_line(for_arch("sm_90a")); }), "");
}

TEST(Nvrtc, AnArchNvrtcDoesNotKnowFailsWithItsMessage) {
  std::string message = error_of([] { compile_with_nvrtc("scale.cu", kScaleKernel, for_arch("sm_12")); });
  EXPECT_NE(message.find("sm_12"), std::string::npos) << message;
  EXPECT_NE(message.find("gpu-architecture"), std::string::npos) << message;
}

TEST(Nvrtc, ToolkitHeadersCompileCleanlyWithTheirIncludeDir) {
  const char* source = R"(
#include <cuda_fp16.h>
extern "C" __global__ void round_trip(float* data) {
  data[threadIdx.x] = __half2float(__float2half(data[threadIdx.x]));
}
)";
  EXPECT_NE(error_of([&] { compile_with_nvrtc("half.cu", source, NvrtcOptions{}); }).find("cuda_fp16.h"),
            std::string::npos);
  CudaBinary binary = compile_with_nvrtc("half.cu", source, with_include_dirs({cuda_toolkit_include_dir()}));
  EXPECT_NE(binary.ptx.find(".entry round_trip"), std::string::npos);
}

TEST(NvrtcCache, SecondCompileIsAHitWithIdenticalBytes) {
  TempDir dir;
  NvrtcCompiler compiler{NvrtcCache(dir.path().string())};
  CudaBinary fresh = compiler.compile("scale.cu", kScaleKernel, NvrtcOptions{});
  EXPECT_EQ(compiler.stats().compiled, 1);
  EXPECT_EQ(compiler.stats().cache_hits, 0);
  EXPECT_EQ(compiler.stats().store_failures, 0);
  CudaBinary cached = compiler.compile("scale.cu", kScaleKernel, NvrtcOptions{});
  EXPECT_EQ(compiler.stats().compiled, 1);
  EXPECT_EQ(compiler.stats().cache_hits, 1);
  EXPECT_EQ(cached.cubin, fresh.cubin);
  EXPECT_EQ(cached.ptx, fresh.ptx);
  // Another compiler (another graphc run) over the same directory hits too.
  NvrtcCompiler later{NvrtcCache(dir.path().string())};
  EXPECT_EQ(later.compile("other_name.cu", kScaleKernel, NvrtcOptions{}).cubin, fresh.cubin);
  EXPECT_EQ(later.stats().compiled, 0);
  EXPECT_EQ(later.stats().cache_hits, 1);
  // Nothing but the entry is left behind (no temporary files).
  int files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path())) ++files;
  EXPECT_EQ(files, 1);
}

TEST(NvrtcCache, ChangedSourceOrOptionsMiss) {
  TempDir dir;
  NvrtcCompiler compiler{NvrtcCache(dir.path().string())};
  compiler.compile("scale.cu", kScaleKernel, NvrtcOptions{});
  compiler.compile("scale.cu", std::string(kScaleKernel) + "\n", NvrtcOptions{});
  compiler.compile("scale.cu", kScaleKernel, for_arch("sm_80"));
  compiler.compile("scale.cu", kScaleKernel, with_options({"-lineinfo"}));
  EXPECT_EQ(compiler.stats().compiled, 4);
  EXPECT_EQ(compiler.stats().cache_hits, 0);
  EXPECT_NE(NvrtcCompiler::cache_key(kScaleKernel, NvrtcOptions{}),
            NvrtcCompiler::cache_key(kScaleKernel, with_options({"-DX=1"})));
}

TEST(NvrtcCache, CorruptEntriesAreRejectedAndRewritten) {
  TempDir dir;
  NvrtcCompiler compiler{NvrtcCache(dir.path().string())};
  CudaBinary fresh = compiler.compile("scale.cu", kScaleKernel, NvrtcOptions{});
  std::string path = compiler.cache().entry_path(NvrtcCompiler::cache_key(kScaleKernel, NvrtcOptions{}));
  const std::string good = read_bytes(path);
  ASSERT_FALSE(good.empty());
  size_t header_end = good.find('\n') + 1;

  std::string flipped_cubin_byte = good;
  flipped_cubin_byte[good.size() - fresh.ptx.size() - 100] ^= 0x01;
  std::string wrong_length = good;
  wrong_length.insert(header_end + 10, "x");
  std::string other_key = good;
  other_key[good.find("source")] = 'S';
  std::string wrong_format = "graphc-nvrtc-cache 2" + good.substr(good.find(' ', 19));
  const std::vector<std::pair<const char*, std::string>> corruptions = {
      {"flipped cubin byte", flipped_cubin_byte}, {"truncated", good.substr(0, good.size() / 2)},
      {"a byte inserted", wrong_length},          {"another key", other_key},
      {"another format", wrong_format},           {"empty", ""},
      {"garbage", std::string(4096, '\xff')},     {"header only", good.substr(0, header_end)}};
  int rejected = 0;
  for (const auto& [what, bytes] : corruptions) {
    write_bytes(path, bytes);
    CudaBinary again = compiler.compile("scale.cu", kScaleKernel, NvrtcOptions{});
    EXPECT_EQ(compiler.stats().cache_rejected, ++rejected) << what;
    EXPECT_EQ(again.cubin, fresh.cubin) << what;
    EXPECT_EQ(again.ptx, fresh.ptx) << what;
    EXPECT_EQ(read_bytes(path), good) << what << ": the entry was not rewritten";
  }
  EXPECT_EQ(compiler.stats().compiled, 1 + rejected);
  EXPECT_EQ(compiler.stats().cache_hits, 0);
}

TEST(NvrtcCache, UnwritableDirectoryOnlyCostsTheCache) {
  TempDir dir;
  std::string blocker = dir.file("not_a_directory");
  write_bytes(blocker, "a file where the cache directory should be");
  NvrtcCompiler compiler{NvrtcCache(blocker + "/nvrtc")};
  CudaBinary binary = compiler.compile("scale.cu", kScaleKernel, NvrtcOptions{});
  EXPECT_FALSE(binary.cubin.empty());
  EXPECT_EQ(compiler.stats().store_failures, 1);
  compiler.compile("scale.cu", kScaleKernel, NvrtcOptions{});
  EXPECT_EQ(compiler.stats().compiled, 2);
}

TEST(NvrtcCache, NoDirectoryMeansNoCache) {
  NvrtcCompiler compiler{NvrtcCache("")};
  compiler.compile("scale.cu", kScaleKernel, NvrtcOptions{});
  compiler.compile("scale.cu", kScaleKernel, NvrtcOptions{});
  EXPECT_EQ(compiler.stats().compiled, 2);
  EXPECT_EQ(compiler.stats().store_failures, 0);
}

TEST(NvrtcCache, FailedCompilesAreNotCached) {
  TempDir dir;
  NvrtcCompiler compiler{NvrtcCache(dir.path().string())};
  const char* broken = "extern \"C\" __global__ void k(float* x) { x[0] = nope; }";
  EXPECT_THROW(compiler.compile("broken.cu", broken, NvrtcOptions{}), Error);
  EXPECT_THROW(compiler.compile("broken.cu", broken, NvrtcOptions{}), Error);
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(NvrtcCache, DefaultDirectoryFollowsTheEnvironment) {
  ScopedEnv home("HOME", "/home/someone");
  {
    ScopedEnv graphc("GRAPHC_CACHE_DIR", "/tmp/graphc-cache");
    ScopedEnv xdg("XDG_CACHE_HOME", "/xdg");
    EXPECT_EQ(default_nvrtc_cache_dir(), "/tmp/graphc-cache/nvrtc");
  }
  {
    ScopedEnv graphc("GRAPHC_CACHE_DIR", std::nullopt);
    ScopedEnv xdg("XDG_CACHE_HOME", "/xdg");
    EXPECT_EQ(default_nvrtc_cache_dir(), "/xdg/graphc/nvrtc");
  }
  {
    ScopedEnv graphc("GRAPHC_CACHE_DIR", std::nullopt);
    ScopedEnv xdg("XDG_CACHE_HOME", "relative/is/ignored");
    EXPECT_EQ(default_nvrtc_cache_dir(), "/home/someone/.cache/graphc/nvrtc");
  }
  {
    ScopedEnv graphc("GRAPHC_CACHE_DIR", std::nullopt);
    ScopedEnv xdg("XDG_CACHE_HOME", std::nullopt);
    ScopedEnv no_home("HOME", std::nullopt);
    EXPECT_EQ(default_nvrtc_cache_dir(), "");
  }
}

}  // namespace
}  // namespace graphc::codegen::cuda

#else

TEST(Nvrtc, SkippedWithoutTheCudaToolkit) {
  GTEST_SKIP() << "graphc was built without the CUDA toolkit (no NVRTC): CUDA code generation is not tested";
}

#endif
