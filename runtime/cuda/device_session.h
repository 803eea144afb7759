// What the CUDA executor holds on the device: memory freed with its owner,
// and the session (device 0's primary context, current on the calling
// thread, a stream, the trainer's module), released in reverse order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "runtime/cuda/cuda_driver.h"

namespace graphc::runtime::cuda {

// The module graphc compiled for the program's CUDA plan.
struct CudaModuleImage {
  std::string_view cubin;
  std::string_view ptx;
};

// Device memory freed with its owner. Freeing can only fail when the
// context is already broken, which a destructor cannot report.
class DeviceMemory {
 public:
  DeviceMemory() = default;
  // Throws graphc::Error naming `what` when the device has no room.
  DeviceMemory(const CudaDriver& driver, size_t bytes, const std::string& what);
  DeviceMemory(DeviceMemory&& o) noexcept { *this = std::move(o); }
  DeviceMemory& operator=(DeviceMemory&& o) noexcept;
  ~DeviceMemory();
  CUdeviceptr address() const { return address_; }
  size_t bytes() const { return bytes_; }

 private:
  const CudaDriver* driver_ = nullptr;
  CUdeviceptr address_ = 0;
  size_t bytes_ = 0;
};

// A CUDA event that keeps time, destroyed with its owner.
class DeviceEvent {
 public:
  explicit DeviceEvent(const CudaDriver& driver);
  DeviceEvent(DeviceEvent&& o) noexcept { *this = std::move(o); }
  DeviceEvent& operator=(DeviceEvent&& o) noexcept;
  ~DeviceEvent();
  CUevent get() const { return event_; }
  // Milliseconds from `start` to this event, both recorded and reached.
  float since(const DeviceEvent& start) const;

 private:
  const CudaDriver* driver_ = nullptr;
  CUevent event_ = nullptr;
};

class DeviceSession {
 public:
  // Throws graphc::Error when the GPU cannot run the module (another
  // architecture than `arch` and no PTX to JIT) or the driver fails.
  DeviceSession(const CudaDriver& driver, const CudaModuleImage& image, const std::string& arch);
  DeviceSession(const DeviceSession&) = delete;
  DeviceSession& operator=(const DeviceSession&) = delete;
  ~DeviceSession() { release(); }

  void make_current() const;
  // Blocks of `threads` that cover `work` threads of a grid-stride kernel:
  // capped at enough to fill every multiprocessor several times over (the
  // grid-stride loops cover the rest), at least 1.
  unsigned grid_for(int64_t work, unsigned threads) const;
  // Queues `f` on the stream over `blocks` x `threads`, with `params` the
  // addresses of its arguments (cuLaunchKernel's kernelParams).
  void launch(CUfunction f, unsigned blocks, unsigned threads, void** params) const;
  // Waits for the stream's work, for an owner about to free what it uses;
  // errors are ignored (they mean the context is gone, and the work too).
  void wait_quietly() const noexcept;
  const CudaDriver& driver() const { return driver_; }
  const CudaDeviceInfo& info() const { return info_; }
  CUstream stream() const { return stream_; }
  // Throws graphc::Error when the module lacks it.
  CUfunction function(const std::string& name) const;
  // The module's global `name` (an extern "C" __device__ int), if it has one.
  std::optional<CUdeviceptr> global(const std::string& name) const;

 private:
  void release();

  const CudaDriver& driver_;
  CUdevice device_ = 0;
  CudaDeviceInfo info_;
  CUcontext context_ = nullptr;
  CUstream stream_ = nullptr;
  CUmodule module_ = nullptr;
};

}  // namespace graphc::runtime::cuda
