// See device_session.h.
#include "runtime/cuda/device_session.h"

#include <algorithm>
#include <utility>

#include "ir/error.h"

namespace graphc::runtime::cuda {

DeviceMemory::DeviceMemory(const CudaDriver& driver, size_t bytes, const std::string& what)
    : driver_(&driver), bytes_(bytes) {
  const CUresult r = driver.api.cuMemAlloc_v2(&address_, std::max<size_t>(bytes, 1));
  if (r != kCudaSuccess)
    throw Error(cat("cannot allocate ", bytes, " bytes of GPU memory for ", what, ": ", driver.describe(r)));
}

DeviceMemory& DeviceMemory::operator=(DeviceMemory&& o) noexcept {
  std::swap(driver_, o.driver_);
  std::swap(address_, o.address_);
  std::swap(bytes_, o.bytes_);
  return *this;
}

DeviceMemory::~DeviceMemory() {
  if (driver_ != nullptr && address_ != 0) driver_->api.cuMemFree_v2(address_);
}

DeviceEvent::DeviceEvent(const CudaDriver& driver) : driver_(&driver) {
  GRAPHC_CU_CHECK(driver, cuEventCreate(&event_, kEventDefault));
}

DeviceEvent& DeviceEvent::operator=(DeviceEvent&& o) noexcept {
  std::swap(driver_, o.driver_);
  std::swap(event_, o.event_);
  return *this;
}

DeviceEvent::~DeviceEvent() {
  if (driver_ != nullptr && event_ != nullptr) driver_->api.cuEventDestroy_v2(event_);
}

float DeviceEvent::since(const DeviceEvent& start) const {
  float milliseconds = 0;
  GRAPHC_CU_CHECK(*driver_, cuEventElapsedTime_v2(&milliseconds, start.event_, event_));
  return milliseconds;
}

DeviceSession::DeviceSession(const CudaDriver& driver, const CudaModuleImage& image, const std::string& arch)
    : driver_(driver) {
  GRAPHC_CU_CHECK(driver_, cuDeviceGet(&device_, 0));
  info_ = driver_.device_info(0);
  if (image.ptx.empty() && info_.arch() != arch)
    throw Error(cat("--device cuda: this trainer's kernels are compiled for ", arch, " and ", info_.name, " is ",
                    info_.arch(), "; rebuild the trainer with graphc --arch ", info_.arch()));
  GRAPHC_CU_CHECK(driver_, cuDevicePrimaryCtxRetain(&context_, device_));
  try {
    make_current();
    GRAPHC_CU_CHECK(driver_, cuStreamCreate(&stream_, kStreamNonBlocking));
    module_ = driver_.load_module(std::string(image.cubin), std::string(image.ptx), "this trainer's CUDA kernels");
  } catch (...) {
    release();
    throw;
  }
}

void DeviceSession::make_current() const { GRAPHC_CU_CHECK(driver_, cuCtxSetCurrent(context_)); }

unsigned DeviceSession::grid_for(int64_t work, unsigned threads) const {
  const int64_t most = int64_t{std::max(1, info_.multiprocessors)} * 32;
  return static_cast<unsigned>(std::clamp<int64_t>((work + threads - 1) / threads, 1, most));
}

void DeviceSession::launch(CUfunction f, unsigned blocks, unsigned threads, void** params) const {
  GRAPHC_CU_CHECK(driver_, cuLaunchKernel(f, blocks, 1, 1, threads, 1, 1, 0, stream_, params, nullptr));
}

void DeviceSession::wait_quietly() const noexcept {
  if (driver_.api.cuCtxSetCurrent(context_) == kCudaSuccess) driver_.api.cuStreamSynchronize(stream_);
}

CUfunction DeviceSession::function(const std::string& name) const {
  CUfunction f = nullptr;
  const CUresult r = driver_.api.cuModuleGetFunction(&f, module_, name.c_str());
  if (r != kCudaSuccess)
    throw Error(cat("CUDA kernel '", name, "' is not in this trainer's module (", driver_.describe(r),
                    "); rebuild the trainer with graphc"));
  return f;
}

std::optional<CUdeviceptr> DeviceSession::global(const std::string& name) const {
  CUdeviceptr address = 0;
  size_t bytes = 0;
  if (driver_.api.cuModuleGetGlobal_v2(&address, &bytes, module_, name.c_str()) != kCudaSuccess) return std::nullopt;
  return address;
}

void DeviceSession::release() {
  if (module_ != nullptr) driver_.api.cuModuleUnload(module_);
  if (stream_ != nullptr) driver_.api.cuStreamDestroy_v2(stream_);
  if (context_ != nullptr) driver_.api.cuDevicePrimaryCtxRelease_v2(device_);
  module_ = nullptr, stream_ = nullptr, context_ = nullptr;
}

}  // namespace graphc::runtime::cuda
