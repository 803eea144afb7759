// See graph_runner.h.
#include "runtime/cuda/graph_runner.h"

#include <algorithm>

#include "ir/error.h"

namespace graphc::runtime::cuda {

GraphRunner::GraphRunner(const Graph& g, const GraphPlan& plan, const CudaPlan& cuda, const ParameterStore& store,
                         int64_t max_batch, const DeviceSession& session, const DeviceParameters& parameters,
                         const BlasSession& blas, ConvolutionGemm convolutions, const std::string& step,
                         KernelProfile* profile)
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

void GraphRunner::run(const data::Batch& batch, uint64_t seed, DevicePixels& pixels, UploadRing& uploads) {
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

void GraphRunner::collect_profile() {
  if (!profile_ || last_run_ == nullptr) return;
  inputs_span_->collect(*profile_);
  last_run_->timing()->collect(*profile_);
  profile_->count_step(step_);
  last_run_ = nullptr;
}

size_t GraphRunner::input_bytes(int64_t max_batch) const {
  size_t bytes = 0;
  for (const FedInput& f : bound_.inputs()) bytes += f.bytes(max_batch) + 64;
  return bytes;
}

OutputReader GraphRunner::reader() const {
  return [this](size_t output, size_t bytes, void* into) {
    GRAPHC_CU_CHECK(session_.driver(), cuMemcpyDtoHAsync_v2(into, outputs_[output], bytes, session_.stream()));
    GRAPHC_CU_CHECK(session_.driver(), cuStreamSynchronize(session_.stream()));
  };
}

CUdeviceptr GraphRunner::address(const BoundRef& r, const DeviceParameters& parameters) const {
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

void GraphRunner::launch(CUfunction f, int64_t threads, int block_threads, std::vector<CUdeviceptr>& arguments,
                         int64_t n, CUdeviceptr* extra) const {
  long long batch = n;
  std::vector<void*> params;
  for (CUdeviceptr& a : arguments) params.push_back(&a);
  params.push_back(&batch);
  if (extra != nullptr) params.push_back(extra);
  const auto block = static_cast<unsigned>(block_threads);
  session_.launch(f, session_.grid_for(threads, block), block, params.data());
}

int64_t GraphRunner::threads_of(const PackedOperand& f, int64_t n) {
  int64_t threads = 1;
  for (const Size& w : f.work) threads *= std::max<int64_t>(w.at(n), 0);
  return threads;
}

void GraphRunner::launch_gemm(const Launch& l, bool implicit, std::vector<CUdeviceptr>& arguments, int64_t n,
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

void GraphRunner::launch_all(int64_t n, GraphTiming* timing) {
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

void GraphRunner::choose_gemms(int64_t n) {
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

CUdeviceptr GraphRunner::trial_output(const CublasGemm& g, int64_t n) {
  int64_t span = (g.groups - 1) * g.c_group_stride.at(n) + (g.m.at(n) - 1) * g.ldc.at(n) + g.n_cols.at(n);
  if (!g.reduce_batch) span += (g.batch.at(n) - 1) * g.c_batch_stride.at(n);
  const size_t bytes = static_cast<size_t>(std::max<int64_t>(span, 1)) * sizeof(float);
  if (trial_c_.bytes() < bytes) trial_c_ = DeviceMemory(session_.driver(), bytes, "a GEMM's trial output");
  return trial_c_.address();
}

const CapturedGraph& GraphRunner::graph_for(int64_t n) {
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

}  // namespace graphc::runtime::cuda
