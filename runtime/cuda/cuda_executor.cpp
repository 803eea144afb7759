// See cuda_executor.h. Each graph runs through a GraphRunner (bound once to
// device addresses, its launch sequences captured as CUDA graphs); the
// executor adds what lies between steps: the parameters, gradients and
// optimizer state on the device, the data sets held there, the queue of
// steps in flight and their results.
#include "runtime/cuda/cuda_executor.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "ir/error.h"
#include "runtime/bound_plan.h"
#include "runtime/cuda/cublas_gemm.h"
#include "runtime/cuda/cuda_availability.h"
#include "runtime/cuda/cuda_driver.h"
#include "runtime/cuda/device_optimizer.h"
#include "runtime/cuda/device_pixels.h"
#include "runtime/cuda/device_session.h"
#include "runtime/cuda/gemm_choice.h"
#include "runtime/cuda/graph_runner.h"
#include "runtime/cuda/launch_timing.h"
#include "runtime/cuda/step_results.h"
#include "runtime/cuda/upload_ring.h"

namespace graphc::runtime::cuda {

namespace {

class CudaExecutor final : public Executor {
  // Steps queued before the host waits for their results: enough to cover
  // the host's share of a step (a batch from the loader, the uploads, the
  // launches) many times over; the uploads keep one slot more.
  static constexpr int kQueueDepth = 16;

 public:
  CudaExecutor(const Program& program, const ParameterStore& store, const CudaModuleImage& image,
               MatmulPrecision precision, KernelProfile* profile)
      : profile_(profile),
        convolutions_(convolution_gemm_policy(precision)),
        session_(cuda_driver(), image, program.cuda->arch),
        blas_(session_, precision),
        parameters_{DeviceMemory(session_.driver(), store.values().size() * sizeof(float), "the parameters"),
                    DeviceMemory(session_.driver(), store.gradients().size() * sizeof(float), "the gradients")},
        train_(program.train, program.cuda->train, *program.cuda, store, program.max_batch, session_, parameters_,
               blas_, convolutions_, "train", profile),
        eval_(program.eval, program.cuda->eval, *program.cuda, store, program.max_batch, session_, parameters_, blas_,
              convolutions_, "eval", profile),
        updates_(parameter_updates(program, store)),
        pixels_(session_, program.max_batch),
        uploads_(session_.driver(), session_.stream(),
                 std::max(train_.input_bytes(program.max_batch), eval_.input_bytes(program.max_batch)) + (64 << 10),
                 kQueueDepth + 1),
        results_(session_, train_.bound(), kQueueDepth) {
    name_ = cat("compiled kernels on cuda, ", session_.info().name, " (", session_.info().arch(), "), ",
                matmul_precision_name(precision), " GEMMs");
    // f32's accuracy from the implicit GEMMs' tensor cores: 3xTF32 (gemm_choice.h).
    if (const std::optional<CUdeviceptr> split = session_.global("gc_tf32_split")) {
      const int value = precision == MatmulPrecision::fp32 ? 1 : 0;
      GRAPHC_CU_CHECK(session_.driver(), cuMemcpyHtoD_v2(*split, &value, sizeof value));
    }
    if (profile_) {
      profile_->set_executor(name_);
      outputs_span_.emplace(session_.driver(),
                            profile_->piece("train", "outputs", "gradients and state copied into the parameters' slots"));
      update_span_.emplace(session_.driver(),
                           profile_->piece("update", "graphc_update", "the optimizer's step over every trained parameter"));
    }
    // How each gradient and state output reaches the store after a step,
    // fixed by the plan: copied into its device slot unless the kernels
    // wrote it there, or filled on the host when it folded to a constant.
    for (const ParameterUpdate& u : updates_) {
      const BoundRef& from = train_.bound().output(u.output);
      if (from.storage == Storage::constant) {
        constant_outputs_.push_back({u, static_cast<float>(from.value)});
      } else if (!u.in_place(from)) {
        device_copies_.push_back({slot_address(u), train_.output_address(u.output), u.slot->numel * sizeof(float)});
      }
      if (!u.gradient) state_slots_.push_back(u.slot);
    }
  }

  // Queued work may still read the pinned upload slots and write device
  // memory that the members free: wait for it first (a failure here means
  // the context is gone, and with it the work).
  ~CudaExecutor() override { session_.wait_quietly(); }

  std::string_view name() const override { return name_; }

  // Everything of a step is queued on the stream; its loss and #correct
  // come back with finished_steps(). Before adopt() the gradients and
  // state updates are downloaded into the store, which waits.
  void queue_train_step(const data::Batch& batch, uint64_t seed, ParameterStore& store) override {
    const CudaDriver& driver = session_.driver();
    session_.make_current();
    if (!optimizer_) upload_values(store);
    train_.run(batch, seed, pixels_, uploads_);
    uploads_.next_step();
    if (outputs_span_) outputs_span_->start(session_.stream());
    for (const DeviceCopy& c : device_copies_)
      GRAPHC_CU_CHECK(driver, cuMemcpyDtoDAsync_v2(c.into, c.from, c.bytes, session_.stream()));
    results_.record([this](size_t output) { return train_.output_address(output); });
    if (optimizer_) {
      for (const ConstantOutput& c : constant_outputs_) {
        unsigned bits = 0;
        std::memcpy(&bits, &c.value, sizeof bits);
        GRAPHC_CU_CHECK(driver, cuMemsetD32Async(slot_address(c.update), bits, c.update.slot->numel, session_.stream()));
      }
      finish_profiled_step();
      return;
    }
    const std::span<float> gradients = store.gradients();
    GRAPHC_CU_CHECK(driver, cuMemcpyDtoHAsync_v2(gradients.data(), parameters_.gradients.address(),
                                                 gradients.size_bytes(), session_.stream()));
    for (const ParameterSlot* slot : state_slots_) {
      const std::span<float> to = store.value(*slot);
      GRAPHC_CU_CHECK(driver, cuMemcpyDtoHAsync_v2(to.data(), parameters_.value(*slot), to.size_bytes(),
                                                   session_.stream()));
    }
    finish_profiled_step();
    GRAPHC_CU_CHECK(driver, cuStreamSynchronize(session_.stream()));
    for (const ConstantOutput& c : constant_outputs_) {
      const std::span<float> to = c.update.gradient ? store.gradient(*c.update.slot) : store.value(*c.update.slot);
      std::fill(to.begin(), to.end(), c.value);
    }
  }

  std::vector<StepResult> finished_steps() override {
    session_.make_current();
    return results_.collect();
  }

  // Adopted, the host runs up to this many steps ahead of the GPU.
  int queue_depth() const override { return optimizer_ ? kQueueDepth : 1; }

  StepResult train_step(const data::Batch& batch, uint64_t seed, ParameterStore& store) override {
    queue_train_step(batch, seed, store);
    std::vector<StepResult> results = finished_steps();
    GRAPHC_ASSERT(results.size() == 1, "train_step with ", results.size() - 1, " other steps queued");
    return results.front();
  }

  StepResult eval_step(const data::Batch& batch, const ParameterStore& store, std::vector<float>* logits) override {
    session_.make_current();
    if (!optimizer_) upload_values(store);
    eval_.run(batch, 0, pixels_, uploads_);
    uploads_.next_step();
    if (logits != nullptr) read_logits(eval_.bound(), batch.size(), eval_.reader(), *logits);
    const StepResult result = read_step_result(eval_.bound(), eval_.reader());  // waits for the step
    eval_.collect_profile();
    return result;
  }

  // The store's values and gradients and the optimizer's state move to the
  // device and stay there: steps no longer copy parameters in or gradients
  // out, and the update is the module's kernel (device_optimizer.h).
  void adopt(const ParameterStore& store, Optimizer& optimizer) override {
    session_.make_current();
    if (!optimizer_) optimizer_.emplace(session_, store.updated_size());
    upload_values(store);
    const std::span<const float> gradients = store.gradients();
    GRAPHC_CU_CHECK(session_.driver(), cuMemcpyHtoDAsync_v2(parameters_.gradients.address(), gradients.data(),
                                                            gradients.size_bytes(), session_.stream()));
    optimizer_->load(optimizer);  // waits for the stream, so the host buffers are free again
  }

  std::optional<double> update(Optimizer& optimizer, double lr, double max_norm, ParameterStore& store) override {
    if (!optimizer_) return Executor::update(optimizer, lr, max_norm, store);
    session_.make_current();
    if (update_span_) update_span_->start(session_.stream());
    const std::optional<double> norm =
        optimizer_->step(optimizer, lr, max_norm, parameters_.values.address(), parameters_.gradients.address());
    if (update_span_) {
      update_span_->stop(session_.stream());
      GRAPHC_CU_CHECK(session_.driver(), cuStreamSynchronize(session_.stream()));
      update_span_->collect(*profile_);
    }
    return norm;
  }

  bool hold_data(const data::Dataset& ds) override {
    session_.make_current();
    return pixels_.hold(ds);
  }

  void gather(ParameterStore& store, Optimizer& optimizer) override {
    if (!optimizer_) return;
    const CudaDriver& driver = session_.driver();
    session_.make_current();
    const std::span<float> values = store.values(), gradients = store.gradients();
    GRAPHC_CU_CHECK(driver, cuMemcpyDtoHAsync_v2(values.data(), parameters_.values.address(), values.size_bytes(),
                                                 session_.stream()));
    GRAPHC_CU_CHECK(driver, cuMemcpyDtoHAsync_v2(gradients.data(), parameters_.gradients.address(),
                                                 gradients.size_bytes(), session_.stream()));
    optimizer_->store(optimizer);  // waits for the stream
  }

 private:
  // Before adopt(), the optimizer runs on the host, so each step starts from the store's values.
  void upload_values(const ParameterStore& store) {
    const std::span<const float> values = store.values();
    GRAPHC_CU_CHECK(session_.driver(), cuMemcpyHtoDAsync_v2(parameters_.values.address(), values.data(),
                                                            values.size_bytes(), session_.stream()));
  }

  // While profiling, a training step's work is waited for and its times read.
  void finish_profiled_step() {
    if (!profile_) return;
    outputs_span_->stop(session_.stream());
    GRAPHC_CU_CHECK(session_.driver(), cuStreamSynchronize(session_.stream()));
    train_.collect_profile();
    outputs_span_->collect(*profile_);
  }

  CUdeviceptr slot_address(const ParameterUpdate& u) const {
    return u.gradient ? parameters_.gradient(*u.slot) : parameters_.value(*u.slot);
  }

  struct DeviceCopy {
    CUdeviceptr into, from;
    size_t bytes;
  };
  struct ConstantOutput {
    ParameterUpdate update;
    float value;
  };

  KernelProfile* profile_;
  ConvolutionGemm convolutions_;  // both graphs' (gemm_choice.h)
  DeviceSession session_;
  BlasSession blas_;
  DeviceParameters parameters_;
  GraphRunner train_, eval_;
  std::vector<ParameterUpdate> updates_;
  std::vector<DeviceCopy> device_copies_;
  std::vector<ConstantOutput> constant_outputs_;
  std::vector<const ParameterSlot*> state_slots_;  // downloaded after each step until adopt()
  std::optional<DeviceOptimizer> optimizer_;       // set by adopt()
  DevicePixels pixels_;                            // the data sets held on the device
  UploadRing uploads_;                             // every step's uploads, one slot per step in flight
  StepResults results_;                            // the queued steps' losses
  std::optional<SpanTiming> outputs_span_, update_span_;  // when profiling
  std::string name_;
};

}  // namespace

std::unique_ptr<Executor> make_cuda_executor(const Program& program, const ParameterStore& store,
                                             const CudaModuleImage& image, MatmulPrecision precision,
                                             KernelProfile* profile) {
  if (!program.cuda || (image.cubin.empty() && image.ptx.empty()))
    throw Error("--device cuda: this trainer was built without CUDA kernels (use --device cpu, or rebuild it "
                "with graphc --target cpu,cuda)");
  if (std::string reason = cuda_unavailable_reason(); !reason.empty()) throw Error(cat("--device cuda: ", reason));
  return std::make_unique<CudaExecutor>(program, store, image, precision, profile);
}

}  // namespace graphc::runtime::cuda
