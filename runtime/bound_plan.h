// A graph plan (runtime/graph_plan.h) checked against its graph and the
// ParameterStore and resolved once, so a compiled executor binds a step's
// pointers without name lookups: every buffer reference knows its input
// index or parameter slot. What differs between backends is only where the
// bytes live (host memory, device memory); the checks, the staging of a
// batch's inputs in the graph's types, which outputs update which
// parameter, and how the step's loss, #correct and logits are read back are
// here, once.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "runtime/data/batch.h"
#include "runtime/graph_plan.h"
#include "runtime/program.h"
#include "runtime/trainer/executor.h"
#include "runtime/trainer/parameter_store.h"

namespace graphc::runtime {

// Element i of a buffer of type t, as a double; throws for f16/bf16.
double read_element(const void* p, DType t, int64_t i);
void write_element(void* p, DType t, int64_t i, double v);

struct BoundRef {
  Storage storage = Storage::arena;
  int64_t offset = 0;                   // arena, scratch
  size_t input = 0;                     // input: index into BoundGraphPlan::inputs()
  const ParameterSlot* slot = nullptr;  // parameter, gradient
  double value = 0;                     // constant
};

// A graph input as the step feeds it: the batch's host bytes in the graph's
// type (converted into `staging` where the batch holds another type).
struct FedInput {
  std::string name;
  InputRole role = InputRole::data;
  TensorType type;
  std::vector<unsigned char> staging;
  const void* host = nullptr;  // after stage_inputs
  size_t bytes(int64_t n) const { return static_cast<size_t>(type.shape.numel(n)) * dtype_size(type.dtype); }
};

struct BoundCall {
  std::string kernel;
  std::vector<BoundRef> refs;  // the kernel's buffers, in order
};

class BoundGraphPlan {
 public:
  // Throws graphc::Error, prefixed with the graph's name and `backend`
  // ("CPU plan"), for a reference the graph or the store cannot satisfy,
  // an offset past its allocation, or outputs that are not the graph's.
  BoundGraphPlan(const Graph& g, const GraphPlan& plan, const ParameterStore& store, int64_t max_batch,
                 const std::string& backend);

  const Graph& graph() const { return graph_; }
  int64_t arena_bytes() const { return arena_bytes_; }
  int64_t scratch_bytes() const { return scratch_bytes_; }
  int64_t max_batch() const { return max_batch_; }
  const std::vector<FedInput>& inputs() const { return inputs_; }
  const std::vector<BoundCall>& calls() const { return calls_; }
  const BoundRef& output(size_t i) const { return outputs_[i]; }
  // Index of the output named `name`; throws when the graph has none.
  size_t output_index(const char* name) const;
  bool has_output(const char* name) const { return graph_.find_output(name) != nullptr; }

  // Throws unless the batch has 1 to max_batch samples; returns its size.
  int64_t check_batch(const data::Batch& batch) const;
  // Points every input's `host` at the batch's data (or its staged copy)
  // and writes the seed input. A deferred batch (no inputs, a pixel recipe)
  // leaves the data input's `host` null; only an executor that builds such
  // inputs itself may pass one (`builds_pixels`).
  void stage_inputs(const data::Batch& batch, uint64_t seed, bool builds_pixels = false);

 private:
  BoundRef bind(const BufferRef& r, const ParameterStore& store, const std::string& where) const;

  const Graph& graph_;
  std::string backend_;
  int64_t max_batch_;
  int64_t arena_bytes_, scratch_bytes_;
  std::vector<FedInput> inputs_;
  std::vector<BoundCall> calls_;
  std::vector<BoundRef> outputs_;
};

// A gradient or state output of the training graph and the parameter slot
// it updates after the step.
struct ParameterUpdate {
  size_t output;
  const ParameterSlot* slot;
  bool gradient;  // else a state update of the parameter's value
  // Whether the kernels already wrote it into the slot.
  bool in_place(const BoundRef& from) const {
    return from.slot == slot && from.storage == (gradient ? Storage::gradient : Storage::parameter);
  }
};

// Throws graphc::Error when an output names no parameter it could update,
// or a graph has no 'loss' output.
std::vector<ParameterUpdate> parameter_updates(const Program& program, const ParameterStore& store);

// Copies the first `bytes` of graph output `output` into `into` (never
// called for a constant output).
using OutputReader = std::function<void(size_t output, size_t bytes, void* into)>;

// The step's loss and #correct.
StepResult read_step_result(const BoundGraphPlan& g, const OutputReader& read);
// The 'logits' output of a batch of n, as f32.
void read_logits(const BoundGraphPlan& g, int64_t n, const OutputReader& read, std::vector<float>& logits);

}  // namespace graphc::runtime
