// One graph of a program (the training or the eval step) on the GPU: its
// kernel calls bound once to device addresses (the arena, the scratch area,
// one buffer per graph input, the device copies of the store's flat value
// and gradient buffers), so that a kernel call's argument list is fixed and
// only `n` changes with the batch. That is what lets the launch sequence of
// a batch size be captured as a CUDA graph on first use and replayed after;
// before the capture, each convolution GEMM's form is chosen
// (gemm_choice.h), and when profiling the capture records events between
// the launches (launch_timing.h).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime/bound_plan.h"
#include "runtime/cuda/cublas_gemm.h"
#include "runtime/cuda/cuda_plan.h"
#include "runtime/cuda/device_pixels.h"
#include "runtime/cuda/device_session.h"
#include "runtime/cuda/gemm_choice.h"
#include "runtime/cuda/launch_timing.h"
#include "runtime/cuda/upload_ring.h"
#include "runtime/trainer/kernel_profile.h"

namespace graphc::runtime::cuda {

// The store's flat buffers on the device, at the store's offsets.
struct DeviceParameters {
  DeviceMemory values, gradients;
  CUdeviceptr value(const ParameterSlot& s) const { return values.address() + s.offset * sizeof(float); }
  CUdeviceptr gradient(const ParameterSlot& s) const { return gradients.address() + s.offset * sizeof(float); }
};

// A captured launch sequence, destroyed with its owner; with the events
// that time its pieces when profiling.
class CapturedGraph {
 public:
  CapturedGraph(const CudaDriver& driver, CUgraphExec exec, std::unique_ptr<GraphTiming> timing)
      : driver_(driver), exec_(exec), timing_(std::move(timing)) {}
  CapturedGraph(const CapturedGraph&) = delete;
  CapturedGraph& operator=(const CapturedGraph&) = delete;
  ~CapturedGraph() { driver_.api.cuGraphExecDestroy(exec_); }
  CUgraphExec exec() const { return exec_; }
  const GraphTiming* timing() const { return timing_.get(); }

 private:
  const CudaDriver& driver_;
  CUgraphExec exec_;
  std::unique_ptr<GraphTiming> timing_;
};


// One graph (training or eval step) bound to its plan and device memory.
class GraphRunner {
 public:
  // `step` names the graph in a profile ("train", "eval").
  GraphRunner(const Graph& g, const GraphPlan& plan, const CudaPlan& cuda, const ParameterStore& store,
              int64_t max_batch, const DeviceSession& session, const DeviceParameters& parameters,
              const BlasSession& blas, ConvolutionGemm convolutions, const std::string& step, KernelProfile* profile);

  const BoundGraphPlan& bound() const { return bound_; }
  CUdeviceptr output_address(size_t i) const { return outputs_[i]; }

  // Uploads the batch's inputs through `uploads` (or has `pixels` make a
  // deferred batch's) and runs every kernel; asynchronous on the stream.
  // When profiling, collect_profile() reads the times once the stream has passed the step.
  void run(const data::Batch& batch, uint64_t seed, DevicePixels& pixels, UploadRing& uploads);

  // After the stream has finished the last run(): its times into the profile.
  void collect_profile();

  // The bytes of one batch's inputs at most (an upload slot's first size).
  size_t input_bytes(int64_t max_batch) const;

  OutputReader reader() const;

 private:
  struct Launch {
    CUfunction function;        // the emitted kernel, unless cuBLAS runs it
    CUfunction pack_a, pack_b;  // write operands out for cuBLAS, when it needs them packed
    CudaLaunch shape;
    CUfunction implicit = nullptr;  // the GEMM's implicit form, when it has one (gemm_choice.h)
    KernelProfile::Piece piece = 0, pack_a_piece = 0, pack_b_piece = 0, implicit_piece = 0;  // when profiling
  };
  struct Call {
    std::vector<CUdeviceptr> arguments;  // one per kernel buffer; then n
    std::vector<Launch> launches;
  };

  CUdeviceptr address(const BoundRef& r, const DeviceParameters& parameters) const;

  // Launches f over `threads` threads (grids are capped: grid-stride loops
  // cover the rest) with `arguments`, n and, when not null, `extra`.
  void launch(CUfunction f, int64_t threads, int block_threads, std::vector<CUdeviceptr>& arguments, int64_t n,
              CUdeviceptr* extra = nullptr) const;

  static int64_t threads_of(const PackedOperand& f, int64_t n);

  // A cuBLAS launch's GEMM in the form chosen for it: the implicit GEMM, or
  // its operands packed and cuBLAS; each part marked as its piece.
  void launch_gemm(const Launch& l, bool implicit, std::vector<CUdeviceptr>& arguments, int64_t n,
                   const std::function<void(KernelProfile::Piece)>& mark);

  // Every kernel of the graph at batch n, launched in order on the stream,
  // each GEMM in the form chosen for n; with `timing`, each launch is
  // marked as its piece.
  void launch_all(int64_t n, GraphTiming* timing);

  // For each cuBLAS launch, whether batch size n runs its implicit GEMM:
  // per the policy, or the faster of the two forms timed here (into a C of
  // their own, so that nothing the step computes changes).
  void choose_gemms(int64_t n);

  // Device memory for a trial of the GEMM's output at batch n.
  CUdeviceptr trial_output(const CublasGemm& g, int64_t n);

  // The launch sequence for batch size n, captured on first use.
  const CapturedGraph& graph_for(int64_t n);

  BoundGraphPlan bound_;
  const DeviceSession& session_;
  const BlasSession& blas_;
  ConvolutionGemm convolutions_;
  std::map<int64_t, std::vector<bool>> implicit_at_;  // by batch size: per cuBLAS launch, whether it runs implicit
  DeviceMemory trial_c_;                              // choose_gemms's outputs
  std::string step_;
  KernelProfile* profile_;
  std::optional<SpanTiming> inputs_span_;        // when profiling
  const CapturedGraph* last_run_ = nullptr;      // when profiling: the graph collect_profile() reads
  DeviceMemory arena_, scratch_, packed_a_, packed_b_, rounded_a_, rounded_b_;
  std::vector<DeviceMemory> inputs_;
  std::vector<Call> calls_;
  std::vector<CUdeviceptr> outputs_;
  std::map<int64_t, std::unique_ptr<CapturedGraph>> graphs_;
};

}  // namespace graphc::runtime::cuda
