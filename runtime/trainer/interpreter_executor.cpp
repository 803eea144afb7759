// The interpreter behind the Executor interface. The interpreter takes named
// double tensors; the trainer keeps f32 buffers. The feed map is built once
// per graph (every parameter and input tensor allocated at its final size),
// and each step only converts values into it, so the cost around a step is
// the two conversions and nothing the interpreter itself does not already pay.
#include <map>

#include "ir/error.h"
#include "runtime/interpreter.h"
#include "runtime/trainer/executor.h"

namespace graphc::runtime {

namespace {

std::optional<std::string> input_with_role(const Graph& g, InputRole role) {
  std::optional<std::string> found;
  for (ValueId v : g.inputs()) {
    const Node& n = g.node(v);
    if (*parse_input_role(n.s("role")) != role) continue;
    if (found)
      throw Error(cat(g.name(), ": two ", input_role_name(role), " inputs ('", *found, "' and '", n.s("name"),
                      "'); the trainer feeds one"));
    found = n.s("name");
  }
  return found;
}

// Where one graph's feeds come from and where its outputs go.
class GraphBinding {
 public:
  GraphBinding(const Graph& g, const ParameterStore& store) : graph_(&g) {
    for (ValueId v : g.inputs()) {
      const Node& n = g.node(v);
      if (*parse_input_role(n.s("role")) == InputRole::state)
        throw Error(cat(g.name(), ": input '", n.s("name"),
                        "' carries state between steps; the trainer keeps state in frozen parameters instead"));
    }
    std::optional<std::string> data = input_with_role(g, InputRole::data);
    if (!data) throw Error(cat(g.name(), ": the graph has no data input to feed batches into"));
    data_ = &feeds_[*data];
    data_->dtype = g.type(*g.find_input(*data)).dtype;
    if (std::optional<std::string> label = input_with_role(g, InputRole::label)) {
      label_ = &feeds_[*label];
      label_type_ = g.type(*g.find_input(*label));
      label_->dtype = label_type_.dtype;
    }
    if (std::optional<std::string> seed = input_with_role(g, InputRole::seed))
      seed_ = &(feeds_[*seed] = HostTensor(g.type(*g.find_input(*seed)).dtype, Shape{}));
    for (ValueId v : g.parameters()) {
      const std::string& name = g.node(v).s("name");
      const ParameterSlot* slot = store.find(name);
      if (slot == nullptr || !(slot->shape == g.type(v).shape))
        throw Error(cat(g.name(), ": parameter '", name, "' ", g.type(v).str(),
                        " does not match the training graph's parameters"));
      params_.push_back({slot, &(feeds_[name] = HostTensor(DType::f32, slot->shape))});
    }
  }

  const Graph& graph() const { return *graph_; }

  // Converts the batch and the parameters into the feed map.
  TensorMap& feed(const data::Batch& batch, const ParameterStore& store, uint64_t seed) {
    const int64_t b = batch.size();
    data_->shape = batch.input_shape;
    GRAPHC_ASSERT(batch.pixel_recipe == nullptr, "a deferred batch reached the interpreter");
    data_->data.assign(batch.inputs.begin(), batch.inputs.end());
    if (label_ != nullptr) {
      label_->shape = label_type_.shape.with_batch(b);
      if (is_float(label_type_.dtype)) {
        GRAPHC_ASSERT(static_cast<int64_t>(batch.targets.size()) == label_->shape.numel(1), "targets of the batch");
        label_->data.assign(batch.targets.begin(), batch.targets.end());
      } else {
        GRAPHC_ASSERT(static_cast<int64_t>(batch.labels.size()) == b, "labels of the batch");
        label_->data.assign(batch.labels.begin(), batch.labels.end());
      }
    }
    if (seed_ != nullptr) seed_->data[0] = static_cast<double>(seed);
    for (const ParamFeed& p : params_) {
      std::span<const float> src = store.value(*p.slot);
      for (size_t i = 0; i < src.size(); ++i) p.tensor->data[i] = src[i];
    }
    return feeds_;
  }

 private:
  struct ParamFeed {
    const ParameterSlot* slot;
    HostTensor* tensor;  // in feeds_ (std::map nodes do not move)
  };
  const Graph* graph_;
  TensorMap feeds_;
  HostTensor* data_ = nullptr;
  HostTensor* label_ = nullptr;
  TensorType label_type_;
  HostTensor* seed_ = nullptr;
  std::vector<ParamFeed> params_;
};

// The values are f32 in the graph; the interpreter computes in double. Round
// as an f32 backend would deliver them.
void copy_rounded(const HostTensor& from, std::span<float> to) {
  GRAPHC_ASSERT(static_cast<size_t>(from.numel()) == to.size(), "output of ", from.numel(), " values into ",
                to.size());
  for (size_t i = 0; i < to.size(); ++i) to[i] = static_cast<float>(from.data[i]);
}

double scalar(const TensorMap& out, const std::string& name) {
  return static_cast<double>(static_cast<float>(out.at(name).data.at(0)));
}

class InterpreterExecutor final : public Executor {
 public:
  InterpreterExecutor(const Program& program, const ParameterStore& store)
      : train_(program.train, store), eval_(program.eval, store) {
    for (const Output& o : program.train.outputs()) {
      if (o.role != OutputRole::gradient && o.role != OutputRole::state) continue;
      const ParameterSlot* slot = store.find(o.name);
      const bool fits = slot != nullptr && (o.role == OutputRole::gradient ? slot->has_gradient()
                                                                            : !slot->has_gradient());
      if (!fits)
        throw Error(cat(program.model, ": ", output_role_name(o.role), " output '", o.name,
                        "' names no parameter it could update"));
      (o.role == OutputRole::gradient ? gradient_outputs_ : state_outputs_).push_back(slot);
    }
    for (const Graph* g : {&program.train, &program.eval})
      if (g->find_output("loss") == nullptr) throw Error(cat(g->name(), ": the graph has no 'loss' output"));
    train_has_correct_ = program.train.find_output("correct") != nullptr;
    eval_has_correct_ = program.eval.find_output("correct") != nullptr;
    eval_has_logits_ = program.eval.find_output("logits") != nullptr;
  }

  std::string_view name() const override { return "interpreter"; }

  StepResult train_step(const data::Batch& batch, uint64_t seed, ParameterStore& store) override {
    const TensorMap out = interpret(train_.graph(), train_.feed(batch, store, seed));
    for (const ParameterSlot* slot : gradient_outputs_) copy_rounded(out.at(slot->name), store.gradient(*slot));
    for (const ParameterSlot* slot : state_outputs_) copy_rounded(out.at(slot->name), store.value(*slot));
    return result(out, train_has_correct_);
  }

  StepResult eval_step(const data::Batch& batch, const ParameterStore& store, std::vector<float>* logits) override {
    const TensorMap out = interpret(eval_.graph(), eval_.feed(batch, store, 0));
    if (logits != nullptr) {
      if (!eval_has_logits_) throw Error(cat(eval_.graph().name(), ": the graph has no 'logits' output"));
      const HostTensor& t = out.at("logits");
      logits->resize(static_cast<size_t>(t.numel()));
      copy_rounded(t, *logits);
    }
    return result(out, eval_has_correct_);
  }

 private:
  static StepResult result(const TensorMap& out, bool has_correct) {
    StepResult r;
    r.loss = scalar(out, "loss");
    if (has_correct) r.correct = scalar(out, "correct");
    return r;
  }

  GraphBinding train_;
  GraphBinding eval_;
  std::vector<const ParameterSlot*> gradient_outputs_;
  std::vector<const ParameterSlot*> state_outputs_;
  bool train_has_correct_ = false, eval_has_correct_ = false, eval_has_logits_ = false;
};

}  // namespace

std::unique_ptr<Executor> make_interpreter_executor(const Program& program, const ParameterStore& store) {
  return std::make_unique<InterpreterExecutor>(program, store);
}

}  // namespace graphc::runtime
