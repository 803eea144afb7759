// See cuda_executor.h. Buffer references are resolved once against the
// graph and the store (runtime/bound_plan.h) and then to device addresses:
// the arena, the scratch area, one device buffer per graph input, and the
// device copies of the store's flat value and gradient buffers, so a kernel
// call's argument list is fixed at start-up and only `n` changes with the
// batch. That is what lets a captured CUDA graph be replayed: the launch
// sequence of a batch size is captured on first use and replayed after.
#include "runtime/cuda/cuda_executor.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>

#include "ir/error.h"
#include "runtime/bound_plan.h"
#include "runtime/cuda/cublas_gemm.h"
#include "runtime/cuda/cuda_availability.h"
#include "runtime/cuda/cuda_driver.h"
#include "runtime/cuda/device_optimizer.h"
#include "runtime/cuda/device_pixels.h"
#include "runtime/cuda/device_session.h"
#include "runtime/cuda/gemm_choice.h"
#include "runtime/cuda/launch_timing.h"
#include "runtime/cuda/step_results.h"
#include "runtime/cuda/upload_ring.h"

namespace graphc::runtime::cuda {

namespace {

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
              const BlasSession& blas, ConvolutionGemm convolutions, const std::string& step, KernelProfile* profile)
      : bound_(g, plan, store, max_batch, "cuda plan"), session_(session), blas_(blas), convolutions_(convolutions),
        step_(step), profile_(profile),
        arena_(session.driver(), static_cast<size_t>(plan.arena_bytes), cat(g.name(), "'s arena")),
        scratch_(session.driver(), static_cast<size_t>(plan.scratch_bytes), cat(g.name(), "'s kernel scratch")) {
    for (const FedInput& f : bound_.inputs())
      inputs_.emplace_back(session.driver(), f.bytes(max_batch), cat("input '", f.name, "'"));
    // Each call's launches, then the packing buffers the largest of them needs.
    std::map<std::string, const CudaKernelLaunches*> launches_of;
    for (const CudaKernelLaunches& k : cuda.kernels) launches_of[k.kernel] = &k;
    std::vector<const CudaKernelLaunches*> call_launches;
    int64_t packed_a = 0, packed_b = 0, rounded_a = 0, rounded_b = 0;
    for (const BoundCall& call : bound_.calls()) {
      auto it = launches_of.find(call.kernel);
      if (it == launches_of.end())
        throw Error(cat(g.name(), ": the cuda plan has no launches for kernel '", call.kernel, "'"));
      call_launches.push_back(it->second);
      for (const CudaLaunch& l : it->second->launches)
        if (l.cublas) {
          packed_a = std::max(packed_a, l.cublas->packed_a_elements(max_batch));
          packed_b = std::max(packed_b, l.cublas->packed_b_elements(max_batch));
          const auto [a16, b16] = blas.bf16_elements(*l.cublas, max_batch);
          rounded_a = std::max(rounded_a, a16);
          rounded_b = std::max(rounded_b, b16);
        }
    }
    packed_a_ = DeviceMemory(session.driver(), static_cast<size_t>(packed_a) * sizeof(float), "packed GEMM operands");
    packed_b_ = DeviceMemory(session.driver(), static_cast<size_t>(packed_b) * sizeof(float), "packed GEMM operands");
    constexpr size_t kBf16Bytes = 2;
    rounded_a_ = DeviceMemory(session.driver(), static_cast<size_t>(rounded_a) * kBf16Bytes, "bf16 GEMM operands");
    rounded_b_ = DeviceMemory(session.driver(), static_cast<size_t>(rounded_b) * kBf16Bytes, "bf16 GEMM operands");
    for (size_t i = 0; i < call_launches.size(); ++i) {
      Call c;
      for (const BoundRef& r : bound_.calls()[i].refs) c.arguments.push_back(address(r, parameters));
      const std::string& what = plan.calls[i].what;
      // A profile's piece for each launch, named after the function it runs.
      const auto piece = [&](const std::string& name) -> KernelProfile::Piece {
        return profile_ ? profile_->piece(step_, name, what) : 0;
      };
      for (const CudaLaunch& l : call_launches[i]->launches) {
        const auto packing = [&](const std::optional<PackedOperand>& operand) -> CUfunction {
          return operand ? session.function(operand->function) : nullptr;
        };
        const auto packing_piece = [&](const std::optional<PackedOperand>& operand) -> KernelProfile::Piece {
          return operand ? piece(operand->function) : 0;
        };
        Launch launch{l.cublas ? nullptr : session.function(l.function),
                      l.cublas ? packing(l.cublas->packed_a) : nullptr,
                      l.cublas ? packing(l.cublas->packed_b) : nullptr, l};
        launch.piece = piece(l.cublas ? l.function + " (cuBLAS)" : l.function);
        if (l.cublas) launch.pack_a_piece = packing_piece(l.cublas->packed_a);
        if (l.cublas) launch.pack_b_piece = packing_piece(l.cublas->packed_b);
        if (l.cublas && l.cublas->implicit) {
          launch.implicit = session.function(l.cublas->implicit->function);
          launch.implicit_piece = piece(l.cublas->implicit->function);
        }
        c.launches.push_back(std::move(launch));
      }
      calls_.push_back(std::move(c));
    }
    if (profile_) inputs_span_.emplace(session.driver(), profile_->piece(step, "inputs", "the batch's inputs uploaded or built"));
    for (size_t i = 0; i < g.outputs().size(); ++i) outputs_.push_back(address(bound_.output(i), parameters));
  }

  const BoundGraphPlan& bound() const { return bound_; }
  CUdeviceptr output_address(size_t i) const { return outputs_[i]; }

  // Uploads the batch's inputs through `uploads` (or has `pixels` make a
  // deferred batch's) and runs every kernel; asynchronous on the stream.
  // When profiling, collect_profile() reads the times once the stream has passed the step.
  void run(const data::Batch& batch, uint64_t seed, DevicePixels& pixels, UploadRing& uploads) {
    const int64_t n = bound_.check_batch(batch);
    bound_.stage_inputs(batch, seed, true);
    if (inputs_span_) inputs_span_->start(session_.stream());
    for (size_t i = 0; i < inputs_.size(); ++i) {
      const FedInput& f = bound_.inputs()[i];
      if (f.role == InputRole::data && batch.pixel_recipe) {
        pixels.build(batch, inputs_[i].address(), uploads);
        continue;
      }
      uploads.upload(inputs_[i].address(), f.host, f.bytes(n));
    }
    if (inputs_span_) inputs_span_->stop(session_.stream());
    const CapturedGraph& graph = graph_for(n);
    GRAPHC_CU_CHECK(session_.driver(), cuGraphLaunch(graph.exec(), session_.stream()));
    last_run_ = &graph;
  }

  // After the stream has finished the last run(): its times into the profile.
  void collect_profile() {
    if (!profile_ || last_run_ == nullptr) return;
    inputs_span_->collect(*profile_);
    last_run_->timing()->collect(*profile_);
    profile_->count_step(step_);
    last_run_ = nullptr;
  }

  // The bytes of one batch's inputs at most (an upload slot's first size).
  size_t input_bytes(int64_t max_batch) const {
    size_t bytes = 0;
    for (const FedInput& f : bound_.inputs()) bytes += f.bytes(max_batch) + 64;
    return bytes;
  }

  OutputReader reader() const {
    return [this](size_t output, size_t bytes, void* into) {
      GRAPHC_CU_CHECK(session_.driver(), cuMemcpyDtoHAsync_v2(into, outputs_[output], bytes, session_.stream()));
      GRAPHC_CU_CHECK(session_.driver(), cuStreamSynchronize(session_.stream()));
    };
  }

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

  CUdeviceptr address(const BoundRef& r, const DeviceParameters& parameters) const {
    switch (r.storage) {
      case Storage::arena: return arena_.address() + static_cast<CUdeviceptr>(r.offset);
      case Storage::scratch: return scratch_.address() + static_cast<CUdeviceptr>(r.offset);
      case Storage::input: return inputs_[r.input].address();
      case Storage::parameter: return parameters.value(*r.slot);
      case Storage::gradient: return parameters.gradient(*r.slot);
      case Storage::constant: return 0;
    }
    GRAPHC_ASSERT(false, "unbound buffer reference");
  }

  // Launches f over `threads` threads (grids are capped: grid-stride loops
  // cover the rest) with `arguments`, n and, when not null, `extra`.
  void launch(CUfunction f, int64_t threads, int block_threads, std::vector<CUdeviceptr>& arguments, int64_t n,
              CUdeviceptr* extra = nullptr) const {
    long long batch = n;
    std::vector<void*> params;
    for (CUdeviceptr& a : arguments) params.push_back(&a);
    params.push_back(&batch);
    if (extra != nullptr) params.push_back(extra);
    const auto block = static_cast<unsigned>(block_threads);
    session_.launch(f, session_.grid_for(threads, block), block, params.data());
  }

  static int64_t threads_of(const PackedOperand& f, int64_t n) {
    int64_t threads = 1;
    for (const Size& w : f.work) threads *= std::max<int64_t>(w.at(n), 0);
    return threads;
  }

  // A cuBLAS launch's GEMM in the form chosen for it: the implicit GEMM, or
  // its operands packed and cuBLAS; each part marked as its piece.
  void launch_gemm(const Launch& l, bool implicit, std::vector<CUdeviceptr>& arguments, int64_t n,
                   const std::function<void(KernelProfile::Piece)>& mark) {
    const CublasGemm& g = *l.shape.cublas;
    if (implicit) {
      mark(l.implicit_piece);
      launch(l.implicit, threads_of(*g.implicit, n), g.implicit->block_threads, arguments, n);
      return;
    }
    CUdeviceptr packed_a = packed_a_.address(), packed_b = packed_b_.address();
    if (g.packed_a) {
      mark(l.pack_a_piece);
      launch(l.pack_a, threads_of(*g.packed_a, n), g.packed_a->block_threads, arguments, n, &packed_a);
    }
    if (g.packed_b) {
      mark(l.pack_b_piece);
      launch(l.pack_b, threads_of(*g.packed_b, n), g.packed_b->block_threads, arguments, n, &packed_b);
    }
    mark(l.piece);
    blas_.gemm(g, arguments, n, {packed_a, packed_b, rounded_a_.address(), rounded_b_.address()});
  }

  // Every kernel of the graph at batch n, launched in order on the stream,
  // each GEMM in the form chosen for n; with `timing`, each launch is
  // marked as its piece.
  void launch_all(int64_t n, GraphTiming* timing) {
    const std::function<void(KernelProfile::Piece)> mark = [&](KernelProfile::Piece piece) {
      if (timing != nullptr) timing->mark(session_.stream(), piece);
    };
    const std::vector<bool>& implicit = implicit_at_.at(n);
    size_t gemm = 0;
    for (Call& c : calls_)
      for (const Launch& l : c.launches) {
        if (l.shape.cublas) {
          launch_gemm(l, implicit[gemm++], c.arguments, n, mark);
          continue;
        }
        mark(l.piece);
        launch(l.function, l.shape.threads_wanted(n), l.shape.block_threads, c.arguments, n);
      }
    if (timing != nullptr) timing->end(session_.stream());
  }

  // For each cuBLAS launch, whether batch size n runs its implicit GEMM:
  // per the policy, or the faster of the two forms timed here (into a C of
  // their own, so that nothing the step computes changes).
  void choose_gemms(int64_t n) {
    std::vector<bool>& implicit = implicit_at_[n];
    const std::function<void(KernelProfile::Piece)> unmarked = [](KernelProfile::Piece) {};
    for (Call& c : calls_)
      for (const Launch& l : c.launches) {
        if (!l.shape.cublas) continue;
        if (l.implicit == nullptr || convolutions_ == ConvolutionGemm::cublas) {
          implicit.push_back(false);
          continue;
        }
        if (convolutions_ == ConvolutionGemm::implicit) {
          implicit.push_back(true);
          continue;
        }
        std::vector<CUdeviceptr> arguments = c.arguments;
        arguments[static_cast<size_t>(l.shape.cublas->c)] = trial_output(*l.shape.cublas, n);
        const float packed = fastest_run_ms(session_, [&] { launch_gemm(l, false, arguments, n, unmarked); });
        const float gathered = fastest_run_ms(session_, [&] { launch_gemm(l, true, arguments, n, unmarked); });
        implicit.push_back(gathered < packed);
      }
  }

  // Device memory for a trial of the GEMM's output at batch n.
  CUdeviceptr trial_output(const CublasGemm& g, int64_t n) {
    int64_t span = (g.groups - 1) * g.c_group_stride.at(n) + (g.m.at(n) - 1) * g.ldc.at(n) + g.n_cols.at(n);
    if (!g.reduce_batch) span += (g.batch.at(n) - 1) * g.c_batch_stride.at(n);
    const size_t bytes = static_cast<size_t>(std::max<int64_t>(span, 1)) * sizeof(float);
    if (trial_c_.bytes() < bytes) trial_c_ = DeviceMemory(session_.driver(), bytes, "a GEMM's trial output");
    return trial_c_.address();
  }

  // The launch sequence for batch size n, captured on first use.
  const CapturedGraph& graph_for(int64_t n) {
    auto it = graphs_.find(n);
    if (it != graphs_.end()) return *it->second;
    const CudaDriver& driver = session_.driver();
    choose_gemms(n);
    // At most a mark per launch and per packing function.
    size_t marks = 0;
    for (const Call& c : calls_)
      for (const Launch& l : c.launches) marks += 1 + (l.pack_a ? 1 : 0) + (l.pack_b ? 1 : 0);
    auto timing = profile_ ? std::make_unique<GraphTiming>(driver, marks) : nullptr;
    GRAPHC_CU_CHECK(driver, cuStreamBeginCapture_v2(session_.stream(), kStreamCaptureModeThreadLocal));
    try {
      launch_all(n, timing.get());
    } catch (...) {
      CUgraph abandoned = nullptr;
      driver.api.cuStreamEndCapture(session_.stream(), &abandoned);
      if (abandoned != nullptr) driver.api.cuGraphDestroy(abandoned);
      throw;
    }
    CUgraph graph = nullptr;
    GRAPHC_CU_CHECK(driver, cuStreamEndCapture(session_.stream(), &graph));
    CUgraphExec exec = nullptr;
    const CUresult r = driver.api.cuGraphInstantiateWithFlags(&exec, graph, 0);
    driver.api.cuGraphDestroy(graph);
    driver.check(r, "cuGraphInstantiateWithFlags(&exec, graph, 0)", __FILE__, __LINE__);
    return *graphs_.emplace(n, std::make_unique<CapturedGraph>(driver, exec, std::move(timing))).first->second;
  }

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

class CudaExecutor final : public Executor {
  // Steps queued before the host waits for their results: enough to cover
  // the host's share of a step (a batch from the loader, the uploads, the
  // launches) many times over; the uploads keep one slot more.
  static constexpr int kQueueDepth = 16;

 public:
  CudaExecutor(const Program& program, const ParameterStore& store, const CudaModuleImage& image,
               MatmulPrecision precision, KernelProfile* profile)
      : profile_(profile),
        session_(cuda_driver(), image, program.cuda->arch),
        blas_(session_, precision),
        parameters_{DeviceMemory(session_.driver(), store.values().size() * sizeof(float), "the parameters"),
                    DeviceMemory(session_.driver(), store.gradients().size() * sizeof(float), "the gradients")},
        train_(program.train, program.cuda->train, *program.cuda, store, program.max_batch, session_, parameters_,
               blas_, convolution_gemm_policy(precision), "train", profile),
        eval_(program.eval, program.cuda->eval, *program.cuda, store, program.max_batch, session_, parameters_, blas_,
              convolution_gemm_policy(precision), "eval", profile),
        updates_(parameter_updates(program, store)),
        pixels_(session_, program.max_batch),
        uploads_(session_.driver(), session_.stream(),
                 std::max(train_.input_bytes(program.max_batch), eval_.input_bytes(program.max_batch)) + (64 << 10),
                 kQueueDepth + 1),
        results_(session_, train_.bound(), kQueueDepth) {
    name_ = cat("compiled kernels on cuda, ", session_.info().name, " (", session_.info().arch(), "), ",
                matmul_precision_name(precision), " GEMMs");
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
