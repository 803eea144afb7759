// See bound_plan.h.
#include "runtime/bound_plan.h"

#include <algorithm>
#include <cstring>

#include "ir/error.h"

namespace graphc::runtime {

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
  throw Error(cat("a compiled backend cannot read a ", dtype_name(t), " output"));
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
  throw Error(cat("a compiled backend cannot feed a ", dtype_name(t), " input"));
}

BoundGraphPlan::BoundGraphPlan(const Graph& g, const GraphPlan& plan, const ParameterStore& store, int64_t max_batch,
                               const std::string& backend)
    : graph_(g), backend_(backend), max_batch_(max_batch), arena_bytes_(plan.arena_bytes),
      scratch_bytes_(plan.scratch_bytes) {
  for (ValueId v : g.inputs()) {
    const Node& n = g.node(v);
    FedInput fed{n.s("name"), *parse_input_role(n.s("role")), n.type, {}, nullptr};
    if (fed.role == InputRole::data && n.type.dtype != DType::f32)
      throw Error(cat(g.name(), ": data input '", fed.name, "' is ", dtype_name(n.type.dtype), "; batches are f32"));
    if (fed.role == InputRole::state)
      throw Error(cat(g.name(), ": input '", fed.name, "' carries state; the trainer keeps state in parameters"));
    fed.staging.resize(fed.bytes(max_batch));
    inputs_.push_back(std::move(fed));
  }
  for (const KernelCall& call : plan.calls) {
    BoundCall c{call.kernel, {}};
    for (const BufferRef& r : call.buffers) c.refs.push_back(bind(r, store, call.kernel));
    calls_.push_back(std::move(c));
  }
  if (plan.outputs.size() != g.outputs().size())
    throw Error(cat(g.name(), ": the ", backend_, " has ", plan.outputs.size(), " outputs, the graph ",
                    g.outputs().size()));
  for (size_t i = 0; i < plan.outputs.size(); ++i) {
    if (plan.outputs[i].name != g.outputs()[i].name)
      throw Error(cat(g.name(), ": the ", backend_, "'s output ", i, " is '", plan.outputs[i].name,
                      "', the graph's '", g.outputs()[i].name, "'"));
    outputs_.push_back(bind(plan.outputs[i].at, store, "output " + plan.outputs[i].name));
  }
}

BoundRef BoundGraphPlan::bind(const BufferRef& r, const ParameterStore& store, const std::string& where) const {
  auto bad = [&](const std::string& why) { throw Error(cat(graph_.name(), ": ", backend_, ", ", where, ": ", why)); };
  BoundRef b{r.storage, r.offset, 0, nullptr, r.value};
  switch (r.storage) {
    case Storage::arena:
      if (r.offset >= std::max<int64_t>(arena_bytes_, 1)) bad(cat("arena offset ", r.offset, " is past the arena"));
      break;
    case Storage::scratch:
      if (r.offset >= std::max<int64_t>(scratch_bytes_, 1)) bad(cat("scratch offset ", r.offset, " is past it"));
      break;
    case Storage::input: {
      auto it = std::find_if(inputs_.begin(), inputs_.end(), [&](const FedInput& f) { return f.name == r.name; });
      if (it == inputs_.end()) bad(cat("no graph input '", r.name, "'"));
      b.input = static_cast<size_t>(it - inputs_.begin());
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

size_t BoundGraphPlan::output_index(const char* name) const {
  const Output* o = graph_.find_output(name);
  if (o == nullptr) throw Error(cat(graph_.name(), ": the graph has no '", name, "' output"));
  return static_cast<size_t>(o - graph_.outputs().data());
}

int64_t BoundGraphPlan::check_batch(const data::Batch& batch) const {
  const int64_t n = batch.size();
  if (n < 1 || n > max_batch_)
    throw Error(cat(graph_.name(), ": a batch of ", n, " samples; this trainer is compiled for 1 to ", max_batch_));
  return n;
}

void BoundGraphPlan::stage_inputs(const data::Batch& batch, uint64_t seed, bool builds_pixels) {
  GRAPHC_ASSERT(builds_pixels || batch.pixel_recipe == nullptr, "a deferred batch reached an executor that does not ",
                "build inputs from pixels");
  for (FedInput& f : inputs_) {
    const DType t = f.type.dtype;
    switch (f.role) {
      case InputRole::data: f.host = batch.pixel_recipe ? nullptr : batch.inputs.data(); break;
      case InputRole::label:
        if (is_float(t)) {
          if (t != DType::f32) throw Error(cat("input '", f.name, "': regression targets are f32"));
          f.host = batch.targets.data();
        } else if (t == DType::i32) {
          f.host = batch.labels.data();
        } else {
          for (size_t i = 0; i < batch.labels.size(); ++i)
            write_element(f.staging.data(), t, static_cast<int64_t>(i), batch.labels[i]);
          f.host = f.staging.data();
        }
        break;
      case InputRole::seed:
        write_element(f.staging.data(), t, 0, static_cast<double>(seed));
        f.host = f.staging.data();
        break;
      case InputRole::state: break;
    }
  }
}

std::vector<ParameterUpdate> parameter_updates(const Program& program, const ParameterStore& store) {
  for (const Graph* g : {&program.train, &program.eval})
    if (g->find_output("loss") == nullptr) throw Error(cat(g->name(), ": the graph has no 'loss' output"));
  std::vector<ParameterUpdate> updates;
  const auto& outs = program.train.outputs();
  for (size_t i = 0; i < outs.size(); ++i) {
    if (outs[i].role != OutputRole::gradient && outs[i].role != OutputRole::state) continue;
    const ParameterSlot* slot = store.find(outs[i].name);
    const bool fits = slot != nullptr && (outs[i].role == OutputRole::gradient) == slot->has_gradient();
    if (!fits)
      throw Error(cat(program.model, ": ", output_role_name(outs[i].role), " output '", outs[i].name,
                      "' names no parameter it could update"));
    updates.push_back({i, slot, outs[i].role == OutputRole::gradient});
  }
  return updates;
}

namespace {

double read_scalar(const BoundGraphPlan& g, const char* name, const OutputReader& read) {
  const size_t i = g.output_index(name);
  const BoundRef& r = g.output(i);
  if (r.storage == Storage::constant) return r.value;
  const DType t = g.graph().type(g.graph().outputs()[i].value).dtype;
  unsigned char bytes[8] = {};
  read(i, dtype_size(t), bytes);
  return read_element(bytes, t, 0);
}

}  // namespace

StepResult read_step_result(const BoundGraphPlan& g, const OutputReader& read) {
  StepResult s;
  s.loss = read_scalar(g, "loss", read);
  if (g.has_output("correct")) s.correct = read_scalar(g, "correct", read);
  return s;
}

void read_logits(const BoundGraphPlan& g, int64_t n, const OutputReader& read, std::vector<float>& logits) {
  const size_t i = g.output_index("logits");
  const TensorType& t = g.graph().type(g.graph().outputs()[i].value);
  const int64_t count = t.shape.numel(n);
  logits.resize(static_cast<size_t>(count));
  const BoundRef& r = g.output(i);
  if (r.storage == Storage::constant) {
    std::fill(logits.begin(), logits.end(), static_cast<float>(r.value));
    return;
  }
  if (t.dtype == DType::f32) {
    read(i, static_cast<size_t>(count) * sizeof(float), logits.data());
    return;
  }
  std::vector<unsigned char> bytes(static_cast<size_t>(count) * dtype_size(t.dtype));
  read(i, bytes.size(), bytes.data());
  for (int64_t k = 0; k < count; ++k) logits[static_cast<size_t>(k)] = static_cast<float>(read_element(bytes.data(), t.dtype, k));
}

}  // namespace graphc::runtime
