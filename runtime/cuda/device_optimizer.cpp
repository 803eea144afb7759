// See device_optimizer.h.
#include "runtime/cuda/device_optimizer.h"

#include <algorithm>
#include <cmath>

#include "ir/error.h"
#include "runtime/cuda/device_kernels.h"
#include "runtime/optim/update_rules.h"

namespace graphc::runtime::cuda {

namespace {

constexpr unsigned kUpdateThreads = 256;

// Where the norm kernels keep their partial sums and results.
constexpr size_t kPartialsBytes = sizeof(double) * graphc_norm_blocks;
constexpr size_t kNormOffset = kPartialsBytes;
constexpr size_t kScaleOffset = kNormOffset + sizeof(double);
constexpr size_t kNormWorkBytes = kScaleOffset + sizeof(float);

}  // namespace

DeviceOptimizer::DeviceOptimizer(const DeviceSession& session, size_t updated)
    : session_(session),
      updated_(updated),
      update_(session.function(kUpdateKernel.name)),
      sumsq_(session.function(kGradSumsqKernel.name)),
      norm_(session.function(kGradNormKernel.name)),
      norm_work_(session.driver(), kNormWorkBytes, "the gradient norm") {}

void DeviceOptimizer::load(Optimizer& optimizer) {
  GRAPHC_ASSERT(optimizer.size() == updated_, "optimizer of ", optimizer.size(), " values for ", updated_,
                " updated parameters");
  const size_t buffers = optimizer.state_names().size();
  while (state_.size() < buffers)
    state_.emplace_back(session_.driver(), updated_ * sizeof(float), "the optimizer's state");
  for (size_t i = 0; i < buffers; ++i) {
    const std::span<float> host = optimizer.state_buffer(i);
    GRAPHC_CU_CHECK(session_.driver(), cuMemcpyHtoDAsync_v2(state_[i].address(), host.data(), host.size_bytes(),
                                                            session_.stream()));
  }
  // The copies read host memory that the caller may change once this returns.
  GRAPHC_CU_CHECK(session_.driver(), cuStreamSynchronize(session_.stream()));
}

void DeviceOptimizer::store(Optimizer& optimizer) const {
  for (size_t i = 0; i < optimizer.state_names().size(); ++i) {
    GRAPHC_ASSERT(i < state_.size(), "optimizer state stored before it was loaded");
    const std::span<float> host = optimizer.state_buffer(i);
    GRAPHC_CU_CHECK(session_.driver(), cuMemcpyDtoHAsync_v2(host.data(), state_[i].address(), host.size_bytes(),
                                                            session_.stream()));
  }
  GRAPHC_CU_CHECK(session_.driver(), cuStreamSynchronize(session_.stream()));
}

double DeviceOptimizer::clip_scale(double max_norm, CUdeviceptr gradients) {
  const CUdeviceptr work = norm_work_.address();
  graphc_norm_args a{};
  a.grads = reinterpret_cast<const float*>(gradients);
  a.n = static_cast<long long>(updated_);
  a.partials = reinterpret_cast<double*>(work);
  a.norm = reinterpret_cast<double*>(work + kNormOffset);
  a.scale = reinterpret_cast<float*>(work + kScaleOffset);
  a.max_norm = max_norm;
  void* params[] = {&a};
  session_.launch(sumsq_, graphc_norm_blocks, graphc_norm_threads, params);
  session_.launch(norm_, 1, graphc_norm_threads, params);
  double norm = 0;
  GRAPHC_CU_CHECK(session_.driver(),
                  cuMemcpyDtoHAsync_v2(&norm, work + kNormOffset, sizeof norm, session_.stream()));
  GRAPHC_CU_CHECK(session_.driver(), cuStreamSynchronize(session_.stream()));
  return norm;
}

std::optional<double> DeviceOptimizer::step(Optimizer& optimizer, double lr, double max_norm, CUdeviceptr values,
                                            CUdeviceptr gradients) {
  std::optional<double> norm;
  if (max_norm > 0) {
    norm = clip_scale(max_norm, gradients);
    if (!std::isfinite(*norm)) return norm;
  }
  const graphc_update_scalars s = optimizer.next_step(lr);
  GRAPHC_ASSERT(static_cast<size_t>(update_state_buffers(s)) <= state_.size(), "optimizer state not loaded");
  if (updated_ == 0) return norm;
  graphc_update_args a{};
  a.params = reinterpret_cast<float*>(values);
  a.grads = reinterpret_cast<const float*>(gradients);
  a.state0 = state_.size() > 0 ? reinterpret_cast<float*>(state_[0].address()) : nullptr;
  a.state1 = state_.size() > 1 ? reinterpret_cast<float*>(state_[1].address()) : nullptr;
  a.grad_scale = norm ? reinterpret_cast<const float*>(norm_work_.address() + kScaleOffset) : nullptr;
  a.n = static_cast<long long>(updated_);
  a.s = s;
  void* params[] = {&a};
  session_.launch(update_, session_.grid_for(a.n, kUpdateThreads), kUpdateThreads, params);
  return norm;
}

}  // namespace graphc::runtime::cuda
