// The CUDA backend behind the Executor interface: runs a graph's kernel calls
// (runtime/graph_plan.h) on the GPU over one device arena and one scratch
// area allocated at start-up for the program's max_batch, launching each
// kernel's __global__ functions (runtime/cuda/cuda_plan.h) from the module
// graphc embedded in the trainer, and the plain f32 GEMMs the plan marks
// through cuBLAS (TF32 tensor cores by default, full f32 with
// MatmulPrecision::fp32). Each batch size's launch sequence is captured once
// as a CUDA graph and replayed.
//
// A training run adopts the parameters (Executor::adopt): from then on the
// values, gradients and optimizer state live on the device, the update is
// the module's kernel (runtime/cuda/device_optimizer.h), a step copies in
// only the batch (or, for a data set held on the device, its indices:
// runtime/cuda/device_pixels.h), and steps are queued: the host waits for
// their losses once every few steps (Executor::queue_depth). Before that
// (the tests, --check-against) a step uploads the values and downloads the
// gradients and state updates into the store.
#pragma once

#include <memory>
#include <string_view>

#include "runtime/cuda/device_session.h"
#include "runtime/trainer/executor.h"

namespace graphc::runtime::cuda {

// Throws graphc::Error when the program has no CUDA plan, the trainer has
// no module, CUDA is unavailable here (the message says what is missing),
// the GPU is older than the cubin's architecture and there is no PTX, or a
// function the plan names is not in the module.
// `precision` decides how the launches the plan gives to cuBLAS compute.
// With `profile`, each launch of the captured steps is timed on the device
// (events recorded in the graph between the launches; the host then waits
// for each step), and so are the inputs and the update.
std::unique_ptr<Executor> make_cuda_executor(const Program& program, const ParameterStore& store,
                                             const CudaModuleImage& image, MatmulPrecision precision,
                                             KernelProfile* profile = nullptr);

}  // namespace graphc::runtime::cuda
