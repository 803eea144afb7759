// The dlopen layer under the CUDA executor. Without a GPU (CI, the
// development machine) it must fail with messages that name what is missing;
// with one (the GPU machine) the WithGpu tests run a round trip through
// device memory, a captured CUDA graph and a cuBLAS GEMM.
#include "runtime/cuda/cuda_driver.h"

#include <dlfcn.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ir/error.h"
#include "runtime/cuda/cublas_api.h"
#include "runtime/cuda/cuda_availability.h"
#include "runtime/cuda/failed_call.h"
#include "tests/runtime/data_test_files.h"
#include "tests/scoped_env.h"

namespace graphc::runtime::cuda {
namespace {

using data::testing::TempDir;
using data::testing::write_bytes;

using graphc::testing::ScopedEnv;

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The loader's own answer, independent of the code under test.
bool machine_has_driver_library() { return ::dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL) != nullptr; }

TEST(CudaDriver, WithoutADriverOpeningSaysSo) {
  if (machine_has_driver_library()) GTEST_SKIP() << "this machine has an NVIDIA driver";
  std::string message = error_of([] { CudaDriver::open("libcuda.so.1"); });
  EXPECT_TRUE(contains(message, "libcuda.so.1")) << message;
  EXPECT_TRUE(contains(message, "cannot be loaded")) << message;
  EXPECT_TRUE(contains(message, "this machine has no usable NVIDIA driver")) << message;
}

TEST(CudaDriver, WithoutADriverCudaIsUnavailableAndStaysSo) {
  if (machine_has_driver_library()) GTEST_SKIP() << "this machine has an NVIDIA driver";
  ScopedEnv default_library("GRAPHC_LIBCUDA", std::nullopt);
  std::string reason = cuda_unavailable_reason();
  EXPECT_TRUE(contains(reason, "libcuda.so.1")) << reason;
  EXPECT_TRUE(contains(reason, "no usable NVIDIA driver")) << reason;
  // The process's driver remembers the failure: the same message each time.
  EXPECT_EQ(error_of([] { cuda_driver(); }), reason);
  EXPECT_EQ(error_of([] { cuda_driver(); }), reason);
}

TEST(CudaDriver, EnvironmentOverridesTheLibrary) {
  {
    ScopedEnv unset("GRAPHC_LIBCUDA", std::nullopt);
    EXPECT_EQ(CudaDriver::library_name(), "libcuda.so.1");
  }
  ScopedEnv override_library("GRAPHC_LIBCUDA", "/nonexistent/libcuda.so");
  EXPECT_EQ(CudaDriver::library_name(), "/nonexistent/libcuda.so");
  std::string message = error_of([] { CudaDriver::open(CudaDriver::library_name()); });
  EXPECT_TRUE(contains(message, "/nonexistent/libcuda.so")) << message;
  EXPECT_TRUE(contains(message, "No such file")) << message;
  EXPECT_TRUE(contains(message, "no usable NVIDIA driver")) << message;
}

TEST(CudaDriver, AFileThatIsNotALibraryIsNamed) {
  TempDir dir;
  std::string path = dir.file("libcuda.so.1");
  write_bytes(path, "not an ELF file");
  std::string message = error_of([&] { CudaDriver::open(path); });
  EXPECT_TRUE(contains(message, path)) << message;
  EXPECT_TRUE(contains(message, "no usable NVIDIA driver")) << message;
}

TEST(CudaDriver, ALibraryThatIsNotADriverNamesTheMissingFunction) {
  // zlib: present wherever the runtime builds, and exports nothing of CUDA.
  std::string message = error_of([] { CudaDriver::open("libz.so.1"); });
  EXPECT_TRUE(contains(message, "libz.so.1")) << message;
  EXPECT_TRUE(contains(message, "CUDA version unknown")) << message;
  EXPECT_TRUE(contains(message, "lacks cuGetErrorName")) << message;
  EXPECT_TRUE(contains(message, "update the NVIDIA driver")) << message;
}

TEST(CudaDriver, TheToolkitStubResolvesEverythingButIsNoDriver) {
  // The toolkit's stub libcuda exports every driver function of its CUDA
  // version and fails them all, so opening it proves each name in
  // GRAPHC_CUDA_DRIVER_FUNCTIONS exists, and is told apart from a driver.
  // In a child process: the stub's soname is libcuda.so.1, so once loaded it
  // would answer every later dlopen("libcuda.so.1") of this process.
  std::optional<std::string> stub;
  for (const char* path :
       {"/usr/local/cuda/lib64/stubs/libcuda.so", "/usr/local/cuda/targets/x86_64-linux/lib/stubs/libcuda.so"})
    if (std::filesystem::exists(path)) stub = path;
  if (!stub) GTEST_SKIP() << "no CUDA toolkit stub library here";
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        std::string message = error_of([&] { CudaDriver::open(*stub); });
        std::fprintf(stderr, "%s\n", message.c_str());
        bool expected = contains(message, "stub library, not a driver") &&
                        contains(message, "no usable NVIDIA driver") && !contains(message, "lacks");
        std::exit(expected ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "is the CUDA toolkit's stub library");
}

TEST(CudaDriver, VersionText) {
  EXPECT_EQ(cuda_version_text(13000), "13.0");
  EXPECT_EQ(cuda_version_text(12080), "12.8");
  EXPECT_EQ(cuda_version_text(13010), "13.1");
}

TEST(CudaDriver, FailedCallsNameTheCallTheErrorAndTheLine) {
  EXPECT_EQ(
      failed_call_message("cuMemAlloc_v2(&pointer, bytes)", "CUDA_ERROR_OUT_OF_MEMORY (out of memory)",
                          "/src/graphc/runtime/cuda/cuda_executor.cpp", 42),
      "cuMemAlloc_v2(&pointer, bytes) failed: CUDA_ERROR_OUT_OF_MEMORY (out of memory) (at cuda_executor.cpp:42)");
}

TEST(Cublas, SearchesItsDirectoryOverrideAlone) {
  {
    ScopedEnv override_dir("GRAPHC_CUBLAS_DIR", "/opt/cublas/lib");
    EXPECT_EQ(CublasLibrary::search_locations(), std::vector<std::string>{"/opt/cublas/lib"});
  }
  ScopedEnv unset("GRAPHC_CUBLAS_DIR", std::nullopt);
  std::vector<std::string> locations = CublasLibrary::search_locations();
  ASSERT_GE(locations.size(), 2u);
  EXPECT_EQ(locations[0], "");  // the loader's search path first
  EXPECT_EQ(locations[1], "/usr/local/cuda/lib64");
}

TEST(Cublas, MissingLibrariesAreNamed) {
  std::string message = error_of([] { CublasLibrary::open({"/nonexistent/cuda/lib64", "/also/missing/"}); });
  EXPECT_TRUE(contains(message, "/nonexistent/cuda/lib64/libcublasLt.so.13")) << message;
  EXPECT_TRUE(contains(message, "/also/missing/libcublasLt.so.13")) << message;
  EXPECT_TRUE(contains(message, "GRAPHC_CUBLAS_DIR")) << message;
}

TEST(Cublas, LoadsFromTheDefaultLocationsOrSaysWhy) {
  std::unique_ptr<CublasLibrary> library;
  std::string message = error_of([&] { library = CublasLibrary::open(CublasLibrary::search_locations()); });
  if (!library) {
    EXPECT_TRUE(contains(message, "libcublas")) << message;
    GTEST_SKIP() << "cuBLAS is not installed here: " << message;
  }
  EXPECT_EQ(library->version().substr(0, 3), "13.") << library->version();
  EXPECT_TRUE(contains(library->cublas_path(), "libcublas.so.13")) << library->cublas_path();
  EXPECT_TRUE(contains(library->cublaslt_path(), "libcublasLt.so.13")) << library->cublaslt_path();
  EXPECT_TRUE(contains(library->describe(kCublasStatusNotInitialized), "CUBLAS_STATUS_NOT_INITIALIZED"));
  std::string failure = error_of(
      [&] { library->check(kCublasStatusNotInitialized, "cublasCreate_v2(&handle)", "/x/cuda_executor.cpp", 7); });
  EXPECT_TRUE(contains(failure, "cublasCreate_v2(&handle) failed: CUBLAS_STATUS_NOT_INITIALIZED")) << failure;
  EXPECT_NO_THROW(library->check(kCublasStatusSuccess, "cublasCreate_v2(&handle)", __FILE__, __LINE__));
}

// On the GPU machine: the driver and cuBLAS doing real work, each call checked.
class WithGpu : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string reason = cuda_unavailable_reason();
    if (!reason.empty()) GTEST_SKIP() << "CUDA unavailable: " << reason;
    GRAPHC_CU_CHECK(driver(), cuDeviceGet(&device_, 0));
    GRAPHC_CU_CHECK(driver(), cuDevicePrimaryCtxRetain(&context_, device_));
    GRAPHC_CU_CHECK(driver(), cuCtxSetCurrent(context_));
    GRAPHC_CU_CHECK(driver(), cuStreamCreate(&stream_, kStreamNonBlocking));
  }
  void TearDown() override {
    if (context_ == nullptr) return;
    if (stream_ != nullptr) GRAPHC_CU_CHECK(driver(), cuStreamDestroy_v2(stream_));
    GRAPHC_CU_CHECK(driver(), cuDevicePrimaryCtxRelease_v2(device_));
  }
  static const CudaDriver& driver() { return cuda_driver(); }

  CUdevice device_ = 0;
  CUcontext context_ = nullptr;
  CUstream stream_ = nullptr;
};

TEST_F(WithGpu, DeviceDescribesItself) {
  CudaDeviceInfo info = driver().device_info(0);
  EXPECT_FALSE(info.name.empty());
  EXPECT_GE(info.compute_major, 7);
  EXPECT_GT(info.multiprocessors, 0);
  EXPECT_GT(info.total_memory, size_t{1} << 30);
  EXPECT_EQ(info.arch(), cat("sm_", info.compute_major, info.compute_minor));
  EXPECT_GE(driver().version(), kCudaVersionDeclared);
}

TEST_F(WithGpu, MemoryRoundTripsAndCapturedGraphsReplay) {
  constexpr size_t kCount = 1024;
  std::vector<float> host(kCount);
  for (size_t i = 0; i < kCount; ++i) host[i] = static_cast<float>(i);
  CUdeviceptr source = 0, target = 0;
  GRAPHC_CU_CHECK(driver(), cuMemAlloc_v2(&source, kCount * sizeof(float)));
  GRAPHC_CU_CHECK(driver(), cuMemAlloc_v2(&target, kCount * sizeof(float)));
  GRAPHC_CU_CHECK(driver(), cuMemcpyHtoD_v2(source, host.data(), kCount * sizeof(float)));

  // Captured: zero the target, copy the first half of the source over it,
  // then set the last quarter to 1.0f (0x3f800000).
  GRAPHC_CU_CHECK(driver(), cuStreamBeginCapture_v2(stream_, kStreamCaptureModeThreadLocal));
  GRAPHC_CU_CHECK(driver(), cuMemsetD8Async(target, 0, kCount * sizeof(float), stream_));
  GRAPHC_CU_CHECK(driver(), cuMemcpyDtoDAsync_v2(target, source, kCount / 2 * sizeof(float), stream_));
  GRAPHC_CU_CHECK(driver(),
                  cuMemsetD32Async(target + 3 * kCount / 4 * sizeof(float), 0x3f800000u, kCount / 4, stream_));
  CUgraph graph = nullptr;
  GRAPHC_CU_CHECK(driver(), cuStreamEndCapture(stream_, &graph));
  CUgraphExec executable = nullptr;
  GRAPHC_CU_CHECK(driver(), cuGraphInstantiateWithFlags(&executable, graph, 0));
  for (int replay = 0; replay < 2; ++replay) {
    GRAPHC_CU_CHECK(driver(), cuMemcpyHtoD_v2(target, host.data(), kCount * sizeof(float)));
    GRAPHC_CU_CHECK(driver(), cuGraphLaunch(executable, stream_));
    GRAPHC_CU_CHECK(driver(), cuStreamSynchronize(stream_));
    std::vector<float> result(kCount, -1.0f);
    GRAPHC_CU_CHECK(driver(), cuMemcpyDtoH_v2(result.data(), target, kCount * sizeof(float)));
    for (size_t i = 0; i < kCount; ++i) {
      float expected = i < kCount / 2 ? static_cast<float>(i) : i < 3 * kCount / 4 ? 0.0f : 1.0f;
      ASSERT_EQ(result[i], expected) << "element " << i << ", replay " << replay;
    }
  }
  GRAPHC_CU_CHECK(driver(), cuGraphExecDestroy(executable));
  GRAPHC_CU_CHECK(driver(), cuGraphDestroy(graph));
  GRAPHC_CU_CHECK(driver(), cuMemFree_v2(source));
  GRAPHC_CU_CHECK(driver(), cuMemFree_v2(target));
}

// What --profile relies on (runtime/cuda/launch_timing.h): events recorded
// with the external flag inside a capture become nodes of the graph, which
// every replay records, so the time between them is the replayed work's.
TEST_F(WithGpu, EventsRecordedInACaptureTimeEachReplay) {
  constexpr size_t kBytes = size_t{256} << 20;
  CUdeviceptr target = 0;
  GRAPHC_CU_CHECK(driver(), cuMemAlloc_v2(&target, kBytes));
  CUevent before = nullptr, after = nullptr;
  GRAPHC_CU_CHECK(driver(), cuEventCreate(&before, kEventDefault));
  GRAPHC_CU_CHECK(driver(), cuEventCreate(&after, kEventDefault));
  GRAPHC_CU_CHECK(driver(), cuStreamBeginCapture_v2(stream_, kStreamCaptureModeThreadLocal));
  GRAPHC_CU_CHECK(driver(), cuEventRecordWithFlags(before, stream_, kEventRecordExternal));
  GRAPHC_CU_CHECK(driver(), cuMemsetD8Async(target, 7, kBytes, stream_));
  GRAPHC_CU_CHECK(driver(), cuEventRecordWithFlags(after, stream_, kEventRecordExternal));
  CUgraph graph = nullptr;
  GRAPHC_CU_CHECK(driver(), cuStreamEndCapture(stream_, &graph));
  CUgraphExec executable = nullptr;
  GRAPHC_CU_CHECK(driver(), cuGraphInstantiateWithFlags(&executable, graph, 0));
  for (int replay = 0; replay < 2; ++replay) {
    GRAPHC_CU_CHECK(driver(), cuGraphLaunch(executable, stream_));
    GRAPHC_CU_CHECK(driver(), cuStreamSynchronize(stream_));
    float milliseconds = -1;
    GRAPHC_CU_CHECK(driver(), cuEventElapsedTime_v2(&milliseconds, before, after));
    // 256 MiB written at no more than 10 TB/s takes at least 25 us, and far less than a second.
    EXPECT_GT(milliseconds, 0.025f) << "replay " << replay;
    EXPECT_LT(milliseconds, 1000.0f) << "replay " << replay;
  }
  GRAPHC_CU_CHECK(driver(), cuGraphExecDestroy(executable));
  GRAPHC_CU_CHECK(driver(), cuGraphDestroy(graph));
  GRAPHC_CU_CHECK(driver(), cuEventDestroy_v2(before));
  GRAPHC_CU_CHECK(driver(), cuEventDestroy_v2(after));
  GRAPHC_CU_CHECK(driver(), cuMemFree_v2(target));
}

TEST_F(WithGpu, DriverErrorsNameTheCall) {
  CUdeviceptr pointer = 0;
  // More memory than any GPU has.
  std::string message = error_of([&] { GRAPHC_CU_CHECK(driver(), cuMemAlloc_v2(&pointer, size_t{1} << 50)); });
  EXPECT_TRUE(contains(message, "cuMemAlloc_v2(&pointer, size_t{1} << 50) failed: CUDA_ERROR_OUT_OF_MEMORY"))
      << message;
  EXPECT_TRUE(contains(message, "cuda_driver_test.cpp:")) << message;
}

TEST_F(WithGpu, CublasStridedBatchedSgemmMatchesTheHostProduct) {
  const CublasLibrary& blas = cublas_library();
  // Two column-major products C_b (3x4) = A_b (3x2) * B_b (2x4) of small
  // integers: exact in float whatever the summation order.
  constexpr int m = 3, n = 4, k = 2, batch = 2;
  std::vector<float> a(m * k * batch), b(k * n * batch), c(m * n * batch, -1.0f);
  for (size_t i = 0; i < a.size(); ++i) a[i] = static_cast<float>(static_cast<int>(i % 7) - 3);
  for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<float>(static_cast<int>(i % 5) - 2);
  CUdeviceptr da = 0, db = 0, dc = 0;
  GRAPHC_CU_CHECK(driver(), cuMemAlloc_v2(&da, a.size() * sizeof(float)));
  GRAPHC_CU_CHECK(driver(), cuMemAlloc_v2(&db, b.size() * sizeof(float)));
  GRAPHC_CU_CHECK(driver(), cuMemAlloc_v2(&dc, c.size() * sizeof(float)));
  GRAPHC_CU_CHECK(driver(), cuMemcpyHtoD_v2(da, a.data(), a.size() * sizeof(float)));
  GRAPHC_CU_CHECK(driver(), cuMemcpyHtoD_v2(db, b.data(), b.size() * sizeof(float)));

  cublasHandle_t handle = nullptr;
  GRAPHC_CUBLAS_CHECK(blas, cublasCreate_v2(&handle));
  GRAPHC_CUBLAS_CHECK(blas, cublasSetStream_v2(handle, stream_));
  GRAPHC_CUBLAS_CHECK(blas, cublasSetMathMode(handle, kCublasPedanticMath));
  const float one = 1.0f, zero = 0.0f;
  GRAPHC_CUBLAS_CHECK(
      blas, cublasSgemmStridedBatched(handle, kCublasOpN, kCublasOpN, m, n, k, &one, reinterpret_cast<const float*>(da),
                                      m, m * k, reinterpret_cast<const float*>(db), k, k * n, &zero,
                                      reinterpret_cast<float*>(dc), m, m * n, batch));
  GRAPHC_CU_CHECK(driver(), cuStreamSynchronize(stream_));
  GRAPHC_CU_CHECK(driver(), cuMemcpyDtoH_v2(c.data(), dc, c.size() * sizeof(float)));
  for (int p = 0; p < batch; ++p)
    for (int col = 0; col < n; ++col)
      for (int row = 0; row < m; ++row) {
        float expected = 0.0f;
        for (int i = 0; i < k; ++i) expected += a[p * m * k + i * m + row] * b[p * k * n + col * k + i];
        EXPECT_EQ(c[p * m * n + col * m + row], expected) << "batch " << p << " (" << row << ", " << col << ")";
      }
  GRAPHC_CUBLAS_CHECK(blas, cublasDestroy_v2(handle));
  GRAPHC_CU_CHECK(driver(), cuMemFree_v2(da));
  GRAPHC_CU_CHECK(driver(), cuMemFree_v2(db));
  GRAPHC_CU_CHECK(driver(), cuMemFree_v2(dc));
}

}  // namespace
}  // namespace graphc::runtime::cuda
