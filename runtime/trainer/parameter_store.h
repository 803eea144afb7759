// Every parameter of a program in flat f32 buffers, so the optimizer updates
// all of them in one pass over contiguous memory and a checkpoint is a walk
// over slices. The layout puts what the optimizer updates first:
//
//   values:    [ updated | frozen at run time | not trainable ]
//   gradients: [ updated | frozen at run time ]       (same offsets)
//
// "updated" are the trainable parameters (those the training graph computes
// a gradient for) that no --freeze prefix names; "frozen at run time" still
// get a gradient from the graph (freezing at compile time, graphc --freeze,
// is what removes that work) but the optimizer never sees them; "not
// trainable" are parameters without a gradient: batch-norm running
// statistics, which the trainer overwrites from the graph's state outputs
// after each step, and parameters frozen at compile time.
//
// Each slot starts at a multiple of kSlotAlignment floats (16 bytes), so
// that kernels writing a gradient or a state straight into its slot can
// use 16-byte accesses (codegen/cuda/cuda_emitter_vector.cpp). The gaps
// hold zeros, which every update rule leaves at zero.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ir/graph.h"

namespace graphc::runtime {

enum class ParameterUse {
  updated,            // the optimizer changes it
  frozen_at_run_time, // has a gradient, but --freeze keeps it unchanged
  not_trainable,      // no gradient: running statistics, compile-time frozen
};

struct ParameterSlot {
  std::string name;  // PyTorch's state_dict name ("fc1.weight")
  Shape shape;       // static
  size_t offset = 0; // into values(), and into gradients() when it has one
  size_t numel = 0;
  ParameterUse use = ParameterUse::updated;
  bool has_gradient() const { return use != ParameterUse::not_trainable; }
};

class ParameterStore {
 public:
  // The parameters of the training graph `train`, laid out as above.
  // Throws graphc::Error for a parameter that is not f32 or has N in its
  // shape, or a --freeze prefix that matches no parameter with a gradient
  // (a typo would otherwise silently train everything).
  ParameterStore(const Graph& train, const std::vector<std::string>& freeze_prefixes);

  const std::vector<ParameterSlot>& slots() const { return slots_; }
  const ParameterSlot* find(std::string_view name) const;

  std::span<float> values() { return values_; }
  std::span<const float> values() const { return values_; }
  std::span<float> gradients() { return gradients_; }
  std::span<const float> gradients() const { return gradients_; }

  static constexpr size_t kSlotAlignment = 4;

  // The optimizer's share: the leading "updated" segment of both buffers
  // (its gaps included).
  size_t updated_size() const { return updated_size_; }
  // The values of the updated parameters (no gaps).
  size_t updated_count() const;
  std::span<float> updated_values() { return values().first(updated_size_); }
  std::span<float> updated_gradients() { return gradients().first(updated_size_); }
  std::span<const float> updated_gradients() const { return gradients().first(updated_size_); }

  std::span<float> value(const ParameterSlot& slot) { return values().subspan(slot.offset, slot.numel); }
  std::span<const float> value(const ParameterSlot& slot) const { return values().subspan(slot.offset, slot.numel); }
  std::span<float> gradient(const ParameterSlot& slot);
  std::span<const float> gradient(const ParameterSlot& slot) const;

  // Sets every parameter from its InitSpec (runtime::init_parameters), so the
  // values depend only on (seed, name, element).
  void initialize(const Graph& train, uint64_t seed);

  int64_t count(ParameterUse use) const;  // how many parameters have this use

 private:
  std::vector<ParameterSlot> slots_;  // in layout order
  std::vector<float> values_;
  std::vector<float> gradients_;
  size_t updated_size_ = 0;
};

}  // namespace graphc::runtime
