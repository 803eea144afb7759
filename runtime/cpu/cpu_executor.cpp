// See cpu_executor.h. Every buffer reference is resolved once (names to
// slots and inputs); a step only adds offsets to base pointers. Kernel
// lookup and allocation also happen once.
#include "runtime/cpu/cpu_executor.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <sstream>

#include "ir/error.h"
#include "runtime/cpu/thread_pool.h"

namespace graphc::runtime::cpu {

namespace {

// 64-byte aligned bytes that are freed with the executor.
struct AlignedBytes {
  AlignedBytes() = default;
  explicit AlignedBytes(int64_t bytes) {
    const size_t rounded = (static_cast<size_t>(std::max<int64_t>(bytes, 1)) + 63) / 64 * 64;
    data.reset(static_cast<unsigned char*>(std::aligned_alloc(64, rounded)));
    if (!data) throw Error(cat("cannot allocate ", bytes, " bytes for the compiled step's buffers"));
  }
  struct Free {
    void operator()(unsigned char* p) const { std::free(p); }
  };
  std::unique_ptr<unsigned char, Free> data;
};

double read_element(const void* p, DType t, int64_t i) {
  switch (t) {
    case DType::f32: return static_cast<const float*>(p)[i];
    case DType::f64: return static_cast<const double*>(p)[i];
    case DType::i32: return static_cast<const int32_t*>(p)[i];
    case DType::i64: return static_cast<double>(static_cast<const int64_t*>(p)[i]);
    case DType::u8:
    case DType::boolean: return static_cast<const uint8_t*>(p)[i];
    case DType::f16:
    case DType::bf16: break;
  }
  throw Error(cat("the compiled CPU backend cannot read a ", dtype_name(t), " output"));
}

void write_element(void* p, DType t, int64_t i, double v) {
  switch (t) {
    case DType::f32: static_cast<float*>(p)[i] = static_cast<float>(v); return;
    case DType::f64: static_cast<double*>(p)[i] = v; return;
    case DType::i32: static_cast<int32_t*>(p)[i] = static_cast<int32_t>(v); return;
    case DType::i64: static_cast<int64_t*>(p)[i] = static_cast<int64_t>(v); return;
    case DType::u8:
    case DType::boolean: static_cast<uint8_t*>(p)[i] = static_cast<uint8_t>(v); return;
    case DType::f16:
    case DType::bf16: break;
  }
  throw Error(cat("the compiled CPU backend cannot feed a ", dtype_name(t), " input"));
}

// A plan's buffer reference resolved against the graph and the store once,
// so binding a step's pointers does no name lookups.
struct BoundRef {
  Storage storage = Storage::arena;
  int64_t offset = 0;                   // arena, scratch
  size_t fed = 0;                       // input: index into the runner's fed inputs
  const ParameterSlot* slot = nullptr;  // parameter, gradient
  double value = 0;                     // constant
};

// One graph (training or eval step) bound to its plan and its memory.
class GraphRunner {
 public:
  GraphRunner(const Graph& g, const CpuGraphPlan& plan, const ParameterStore& store, const KernelResolver& kernels,
              int64_t max_batch)
      : graph_(g), max_batch_(max_batch), arena_bytes_(plan.arena_bytes), scratch_bytes_(plan.scratch_bytes),
        arena_(plan.arena_bytes), scratch_(plan.scratch_bytes) {
    for (ValueId v : g.inputs()) {
      const Node& n = g.node(v);
      const InputRole role = *parse_input_role(n.s("role"));
      Fed fed{n.s("name"), role, n.type, {}, nullptr};
      if (role == InputRole::data && n.type.dtype != DType::f32)
        throw Error(cat(g.name(), ": data input '", fed.name, "' is ", dtype_name(n.type.dtype), "; batches are f32"));
      if (role == InputRole::state)
        throw Error(cat(g.name(), ": input '", fed.name, "' carries state; the trainer keeps state in parameters"));
      fed.staging.resize(static_cast<size_t>(n.type.shape.numel(max_batch)) * dtype_size(n.type.dtype));
      fed_.push_back(std::move(fed));
    }
    for (const KernelCall& call : plan.calls) {
      Call c{kernels(call.kernel), {}, std::vector<void*>(call.buffers.size())};
      for (const BufferRef& r : call.buffers) c.refs.push_back(bind(r, store, call.kernel));
      calls_.push_back(std::move(c));
    }
    if (plan.outputs.size() != g.outputs().size())
      throw Error(cat(g.name(), ": the CPU plan has ", plan.outputs.size(), " outputs, the graph ", g.outputs().size()));
    for (size_t i = 0; i < plan.outputs.size(); ++i) {
      if (plan.outputs[i].name != g.outputs()[i].name)
        throw Error(cat(g.name(), ": the CPU plan's output ", i, " is '", plan.outputs[i].name, "', the graph's '",
                        g.outputs()[i].name, "'"));
      outputs_.push_back(bind(plan.outputs[i].at, store, "output " + plan.outputs[i].name));
    }
  }

  const Graph& graph() const { return graph_; }

  void run(const data::Batch& batch, uint64_t seed, const ParameterStore& store, const ThreadPool& pool) {
    n_ = batch.size();
    if (n_ < 1 || n_ > max_batch_)
      throw Error(cat(graph_.name(), ": a batch of ", n_, " samples; this trainer is compiled for 1 to ", max_batch_));
    stage_inputs(batch, seed);
    for (Call& c : calls_) {
      for (size_t i = 0; i < c.refs.size(); ++i) c.pointers[i] = pointer(c.refs[i], store);
      c.fn(c.pointers.data(), n_, pool.runtime());
    }
  }

  // Where output `i` is after run(); nullptr for a constant output.
  const void* output(size_t i, const ParameterStore& store) { return pointer(outputs_[i], store); }
  const BoundRef& output_ref(size_t i) const { return outputs_[i]; }

 private:
  struct Fed {
    std::string name;
    InputRole role;
    TensorType type;
    std::vector<unsigned char> staging;  // for values the batch does not hold in the graph's type
    const void* bound = nullptr;
  };
  struct Call {
    graphc_kernel_fn fn;
    std::vector<BoundRef> refs;
    std::vector<void*> pointers;
  };

  // Checks r against the graph, the store and the plan's sizes, and resolves it.
  BoundRef bind(const BufferRef& r, const ParameterStore& store, const std::string& where) const {
    auto bad = [&](const std::string& why) { throw Error(cat(graph_.name(), ": CPU plan, ", where, ": ", why)); };
    BoundRef b{r.storage, r.offset, 0, nullptr, r.value};
    switch (r.storage) {
      case Storage::arena:
        if (r.offset >= std::max<int64_t>(arena_bytes_, 1)) bad(cat("arena offset ", r.offset, " is past the arena"));
        break;
      case Storage::scratch:
        if (r.offset >= std::max<int64_t>(scratch_bytes_, 1)) bad(cat("scratch offset ", r.offset, " is past it"));
        break;
      case Storage::input: {
        auto it = std::find_if(fed_.begin(), fed_.end(), [&](const Fed& f) { return f.name == r.name; });
        if (it == fed_.end()) bad(cat("no graph input '", r.name, "'"));
        b.fed = static_cast<size_t>(it - fed_.begin());
        break;
      }
      case Storage::parameter:
        b.slot = store.find(r.name);
        if (b.slot == nullptr) bad(cat("no parameter '", r.name, "'"));
        break;
      case Storage::gradient:
        b.slot = store.find(r.name);
        if (b.slot == nullptr || !b.slot->has_gradient()) bad(cat("no gradient slot for '", r.name, "'"));
        break;
      case Storage::constant: break;
    }
    return b;
  }

  void stage_inputs(const data::Batch& batch, uint64_t seed) {
    for (Fed& f : fed_) {
      const DType t = f.type.dtype;
      switch (f.role) {
        case InputRole::data: f.bound = batch.inputs.data(); break;
        case InputRole::label:
          if (is_float(t)) {
            if (t != DType::f32) throw Error(cat("input '", f.name, "': regression targets are f32"));
            f.bound = batch.targets.data();
          } else if (t == DType::i32) {
            f.bound = batch.labels.data();
          } else {
            for (size_t i = 0; i < batch.labels.size(); ++i)
              write_element(f.staging.data(), t, static_cast<int64_t>(i), batch.labels[i]);
            f.bound = f.staging.data();
          }
          break;
        case InputRole::seed:
          write_element(f.staging.data(), t, 0, static_cast<double>(seed));
          f.bound = f.staging.data();
          break;
        case InputRole::state: break;
      }
    }
  }

  void* pointer(const BoundRef& r, const ParameterStore& store) {
    switch (r.storage) {
      case Storage::arena: return arena_.data.get() + r.offset;
      case Storage::scratch: return scratch_.data.get() + r.offset;
      case Storage::input: return const_cast<void*>(fed_[r.fed].bound);
      // Kernels write parameters only for state updates of the training
      // step, which own the store mutably (train_step).
      case Storage::parameter: return const_cast<float*>(store.value(*r.slot).data());
      case Storage::gradient: return const_cast<float*>(store.gradient(*r.slot).data());
      case Storage::constant: return nullptr;
    }
    GRAPHC_ASSERT(false, "unbound buffer reference");
  }

  const Graph& graph_;
  int64_t max_batch_;
  int64_t arena_bytes_, scratch_bytes_;
  AlignedBytes arena_, scratch_;
  std::vector<Fed> fed_;
  std::vector<Call> calls_;
  std::vector<BoundRef> outputs_;
  int64_t n_ = 0;
};

class CpuExecutor final : public Executor {
 public:
  CpuExecutor(const Program& program, const ParameterStore& store, const KernelResolver& kernels, int threads)
      : plan_(*program.cpu),
        pool_(threads),
        train_(program.train, plan_.train, store, kernels, program.max_batch),
        eval_(program.eval, plan_.eval, store, kernels, program.max_batch) {
    name_ = cat("compiled kernels on cpu, ", pool_.threads(), pool_.threads() == 1 ? " thread" : " threads");
    for (const Graph* g : {&program.train, &program.eval})
      if (g->find_output("loss") == nullptr) throw Error(cat(g->name(), ": the graph has no 'loss' output"));
    const auto& outs = program.train.outputs();
    for (size_t i = 0; i < outs.size(); ++i) {
      if (outs[i].role != OutputRole::gradient && outs[i].role != OutputRole::state) continue;
      const ParameterSlot* slot = store.find(outs[i].name);
      const bool fits = slot != nullptr && (outs[i].role == OutputRole::gradient) == slot->has_gradient();
      if (!fits)
        throw Error(cat(program.model, ": ", output_role_name(outs[i].role), " output '", outs[i].name,
                        "' names no parameter it could update"));
      updates_.push_back({i, slot, outs[i].role == OutputRole::gradient});
    }
  }

  std::string_view name() const override { return name_; }

  StepResult train_step(const data::Batch& batch, uint64_t seed, ParameterStore& store) override {
    train_.run(batch, seed, store, pool_);
    for (const Update& u : updates_) {
      std::span<float> to = u.gradient ? store.gradient(*u.slot) : store.value(*u.slot);
      const BoundRef& from = train_.output_ref(u.output);
      const bool in_place = from.slot == u.slot && from.storage == (u.gradient ? Storage::gradient : Storage::parameter);
      if (in_place) continue;
      if (from.storage == Storage::constant) {
        std::fill(to.begin(), to.end(), static_cast<float>(from.value));
        continue;
      }
      const auto* src = static_cast<const float*>(train_.output(u.output, store));
      std::memmove(to.data(), src, to.size() * sizeof(float));
    }
    return result(train_, store);
  }

  StepResult eval_step(const data::Batch& batch, const ParameterStore& store, std::vector<float>* logits) override {
    eval_.run(batch, 0, store, pool_);
    if (logits != nullptr) {
      const Output* o = eval_.graph().find_output("logits");
      if (o == nullptr) throw Error(cat(eval_.graph().name(), ": the graph has no 'logits' output"));
      const size_t i = static_cast<size_t>(o - eval_.graph().outputs().data());
      const TensorType& t = eval_.graph().type(o->value);
      const int64_t count = t.shape.numel(batch.size());
      logits->resize(static_cast<size_t>(count));
      const void* p = eval_.output(i, store);
      for (int64_t k = 0; k < count; ++k)
        (*logits)[static_cast<size_t>(k)] =
            p ? static_cast<float>(read_element(p, t.dtype, k)) : static_cast<float>(eval_.output_ref(i).value);
    }
    return result(eval_, store);
  }

 private:
  struct Update {
    size_t output;
    const ParameterSlot* slot;
    bool gradient;
  };

  static double scalar(GraphRunner& r, const char* name, const ParameterStore& store) {
    const Output* o = r.graph().find_output(name);
    const size_t i = static_cast<size_t>(o - r.graph().outputs().data());
    const void* p = r.output(i, store);
    if (p == nullptr) return r.output_ref(i).value;
    return read_element(p, r.graph().type(o->value).dtype, 0);
  }

  static StepResult result(GraphRunner& r, const ParameterStore& store) {
    StepResult s;
    s.loss = scalar(r, "loss", store);
    if (r.graph().find_output("correct") != nullptr) s.correct = scalar(r, "correct", store);
    return s;
  }

  const CpuPlan& plan_;
  ThreadPool pool_;
  GraphRunner train_, eval_;
  std::vector<Update> updates_;
  std::string name_;
};

}  // namespace

KernelResolver table_resolver(const graphc_kernel_entry* table) {
  auto by_name = std::make_shared<std::map<std::string, graphc_kernel_fn, std::less<>>>();
  for (const graphc_kernel_entry* e = table; e != nullptr && e->name != nullptr; ++e) (*by_name)[e->name] = e->fn;
  return [by_name](const std::string& name) {
    auto it = by_name->find(name);
    if (it == by_name->end())
      throw Error(cat("compiled kernel '", name, "' is not in this executable (rebuild the trainer with graphc)"));
    return it->second;
  };
}

std::string missing_cpu_features(const std::string& features) {
  struct Known {
    const char* name;
    bool present;
  };
  __builtin_cpu_init();
  const Known known[] = {
      {"sse4.2", static_cast<bool>(__builtin_cpu_supports("sse4.2"))},
      {"avx", static_cast<bool>(__builtin_cpu_supports("avx"))},
      {"avx2", static_cast<bool>(__builtin_cpu_supports("avx2"))},
      {"fma", static_cast<bool>(__builtin_cpu_supports("fma"))},
      {"avx512f", static_cast<bool>(__builtin_cpu_supports("avx512f"))},
      {"avx512bw", static_cast<bool>(__builtin_cpu_supports("avx512bw"))},
      {"avx512vl", static_cast<bool>(__builtin_cpu_supports("avx512vl"))},
      {"avx512dq", static_cast<bool>(__builtin_cpu_supports("avx512dq"))},
  };
  std::string missing;
  std::stringstream in(features);
  for (std::string f; std::getline(in, f, ',');) {
    if (f.size() < 2 || f[0] != '+') continue;
    for (const Known& k : known)
      if (f.substr(1) == k.name && !k.present) {
        if (!missing.empty()) missing += ", ";
        missing += f.substr(1);
      }
  }
  return missing;
}

std::unique_ptr<Executor> make_cpu_executor(const Program& program, const ParameterStore& store,
                                            const KernelResolver& kernels, int threads) {
  if (!program.cpu) throw Error(cat(program.model, ": the program carries no compiled CPU code"));
  if (std::string missing = missing_cpu_features(program.cpu->target_features); !missing.empty())
    throw Error(cat("this trainer's kernels were compiled for ", program.cpu->target_cpu, " and need ", missing,
                    ", which this CPU lacks (rebuild it here, or with graphc --cpu for this machine)"));
  return std::make_unique<CpuExecutor>(program, store, kernels, threads);
}

}  // namespace graphc::runtime::cpu
