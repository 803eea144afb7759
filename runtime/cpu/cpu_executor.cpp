// See cpu_executor.h. Every buffer reference is resolved once
// (runtime/bound_plan.h); a step only adds offsets to base pointers. Kernel
// lookup and allocation also happen once.
#include "runtime/cpu/cpu_executor.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <sstream>

#include "ir/error.h"
#include "runtime/bound_plan.h"
#include "runtime/cpu/thread_pool.h"

namespace graphc::runtime::cpu {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

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

// One graph (training or eval step) bound to its plan and its host memory.
class GraphRunner {
 public:
  // `step` names the graph in a profile ("train", "eval").
  GraphRunner(const Graph& g, const GraphPlan& plan, const ParameterStore& store, const KernelResolver& kernels,
              int64_t max_batch, const std::string& step, KernelProfile* profile)
      : bound_(g, plan, store, max_batch, "CPU plan"), arena_(plan.arena_bytes), scratch_(plan.scratch_bytes),
        step_(step), profile_(profile) {
    for (size_t k = 0; k < bound_.calls().size(); ++k) {
      const BoundCall& call = bound_.calls()[k];
      calls_.push_back({kernels(call.kernel), std::vector<void*>(call.refs.size())});
      if (profile_) calls_.back().piece = profile_->piece(step, call.kernel, plan.calls[k].what);
    }
    if (profile_) inputs_piece_ = profile_->piece(step, "inputs", "the batch's inputs staged");
  }

  const BoundGraphPlan& bound() const { return bound_; }

  void run(const data::Batch& batch, uint64_t seed, const ParameterStore& store, const ThreadPool& pool) {
    const int64_t n = bound_.check_batch(batch);
    Clock::time_point last = profile_ ? Clock::now() : Clock::time_point();
    // Times the work since the last mark into `piece`, when profiling.
    const auto mark = [&](KernelProfile::Piece piece) {
      if (!profile_) return;
      const Clock::time_point now = Clock::now();
      profile_->add(piece, seconds_between(last, now));
      last = now;
    };
    bound_.stage_inputs(batch, seed);
    mark(inputs_piece_);
    for (size_t k = 0; k < calls_.size(); ++k) {
      Call& c = calls_[k];
      const std::vector<BoundRef>& refs = bound_.calls()[k].refs;
      for (size_t i = 0; i < refs.size(); ++i) c.pointers[i] = pointer(refs[i], store);
      c.fn(c.pointers.data(), n, pool.runtime());
      mark(c.piece);
    }
    if (profile_) profile_->count_step(step_);
  }

  // Where a reference's bytes are now; nullptr for a constant.
  void* pointer(const BoundRef& r, const ParameterStore& store) {
    switch (r.storage) {
      case Storage::arena: return arena_.data.get() + r.offset;
      case Storage::scratch: return scratch_.data.get() + r.offset;
      case Storage::input: return const_cast<void*>(bound_.inputs()[r.input].host);
      // Kernels write parameters only for state updates of the training
      // step, which own the store mutably (train_step).
      case Storage::parameter: return const_cast<float*>(store.value(*r.slot).data());
      case Storage::gradient: return const_cast<float*>(store.gradient(*r.slot).data());
      case Storage::constant: return nullptr;
    }
    GRAPHC_ASSERT(false, "unbound buffer reference");
  }

  OutputReader reader(const ParameterStore& store) {
    return [this, &store](size_t output, size_t bytes, void* into) {
      std::memcpy(into, pointer(bound_.output(output), store), bytes);
    };
  }

 private:
  struct Call {
    graphc_kernel_fn fn;
    std::vector<void*> pointers;
    KernelProfile::Piece piece = 0;  // when profiling
  };

  BoundGraphPlan bound_;
  AlignedBytes arena_, scratch_;
  std::vector<Call> calls_;
  std::string step_;
  KernelProfile* profile_;
  KernelProfile::Piece inputs_piece_ = 0;
};

class CpuExecutor final : public Executor {
 public:
  CpuExecutor(const Program& program, const ParameterStore& store, const KernelResolver& kernels, int threads,
              KernelProfile* profile)
      : plan_(*program.cpu),
        pool_(threads),
        train_(program.train, plan_.train, store, kernels, program.max_batch, "train", profile),
        eval_(program.eval, plan_.eval, store, kernels, program.max_batch, "eval", profile),
        updates_(parameter_updates(program, store)),
        profile_(profile) {
    name_ = cat("compiled kernels on cpu, ", pool_.threads(), pool_.threads() == 1 ? " thread" : " threads");
    if (profile_) {
      profile_->set_executor(name_);
      outputs_piece_ = profile_->piece("train", "outputs", "gradients and state the kernels left elsewhere, copied to the store");
      update_piece_ = profile_->piece("update", "optimizer", "the optimizer's step over every trained parameter");
    }
  }

  std::optional<double> update(Optimizer& optimizer, double lr, double max_norm, ParameterStore& store) override {
    const Clock::time_point start = profile_ ? Clock::now() : Clock::time_point();
    std::optional<double> norm = Executor::update(optimizer, lr, max_norm, store);
    if (profile_) profile_->add(update_piece_, seconds_between(start, Clock::now()));
    return norm;
  }

  std::string_view name() const override { return name_; }

  StepResult train_step(const data::Batch& batch, uint64_t seed, ParameterStore& store) override {
    train_.run(batch, seed, store, pool_);
    const Clock::time_point copies = profile_ ? Clock::now() : Clock::time_point();
    for (const ParameterUpdate& u : updates_) {
      std::span<float> to = u.gradient ? store.gradient(*u.slot) : store.value(*u.slot);
      const BoundRef& from = train_.bound().output(u.output);
      if (u.in_place(from)) continue;
      if (from.storage == Storage::constant) {
        std::fill(to.begin(), to.end(), static_cast<float>(from.value));
        continue;
      }
      std::memmove(to.data(), train_.pointer(from, store), to.size() * sizeof(float));
    }
    if (profile_) profile_->add(outputs_piece_, seconds_between(copies, Clock::now()));
    return read_step_result(train_.bound(), train_.reader(store));
  }

  StepResult eval_step(const data::Batch& batch, const ParameterStore& store, std::vector<float>* logits) override {
    eval_.run(batch, 0, store, pool_);
    if (logits != nullptr) read_logits(eval_.bound(), batch.size(), eval_.reader(store), *logits);
    return read_step_result(eval_.bound(), eval_.reader(store));
  }

 private:
  const CpuPlan& plan_;
  ThreadPool pool_;
  GraphRunner train_, eval_;
  std::vector<ParameterUpdate> updates_;
  KernelProfile* profile_;
  KernelProfile::Piece outputs_piece_ = 0, update_piece_ = 0;
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
                                            const KernelResolver& kernels, int threads, KernelProfile* profile) {
  if (!program.cpu) throw Error(cat(program.model, ": the program carries no compiled CPU code"));
  if (std::string missing = missing_cpu_features(program.cpu->target_features); !missing.empty())
    throw Error(cat("this trainer's kernels were compiled for ", program.cpu->target_cpu, " and need ", missing,
                    ", which this CPU lacks (rebuild it here, or with graphc --cpu for this machine)"));
  return std::make_unique<CpuExecutor>(program, store, kernels, threads, profile);
}

}  // namespace graphc::runtime::cpu
