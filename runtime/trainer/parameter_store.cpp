// The layout is decided once here; everything else addresses parameters
// through their slots, so no other code depends on the order.
#include "runtime/trainer/parameter_store.h"

#include <algorithm>

#include "ir/error.h"
#include "runtime/interpreter.h"

namespace graphc::runtime {

namespace {

bool has_gradient_output(const Graph& g, const std::string& name) {
  const Output* o = g.find_output(name);
  return o != nullptr && o->role == OutputRole::gradient;
}

// Freeze prefixes match as Builder::freeze does (plain string prefixes), so
// `--freeze fc1` at run time means what `graphc --freeze fc1` means.
bool matches_any(const std::string& name, const std::vector<std::string>& prefixes) {
  return std::any_of(prefixes.begin(), prefixes.end(), [&](const std::string& p) { return name.starts_with(p); });
}

}  // namespace

ParameterStore::ParameterStore(const Graph& train, const std::vector<std::string>& freeze_prefixes) {
  std::vector<ParameterSlot> by_use[3];
  for (ValueId v : train.parameters()) {
    const Node& n = train.node(v);
    ParameterSlot slot;
    slot.name = n.s("name");
    slot.shape = n.type.shape;
    if (n.type.dtype != DType::f32)
      throw Error(cat("parameter '", slot.name, "' is ", n.type.str(), "; the trainer keeps f32 parameters only"));
    if (slot.shape.has_batch() || !slot.shape.problem().empty())
      throw Error(cat("parameter '", slot.name, "' has shape ", slot.shape.str(), "; parameters need static shapes"));
    slot.numel = static_cast<size_t>(slot.shape.static_numel());
    if (!has_gradient_output(train, slot.name))
      slot.use = ParameterUse::not_trainable;
    else if (matches_any(slot.name, freeze_prefixes))
      slot.use = ParameterUse::frozen_at_run_time;
    else
      slot.use = ParameterUse::updated;
    by_use[static_cast<int>(slot.use)].push_back(std::move(slot));
  }
  for (const std::string& prefix : freeze_prefixes) {
    bool matched = std::any_of(by_use[1].begin(), by_use[1].end(),
                               [&](const ParameterSlot& s) { return s.name.starts_with(prefix); });
    if (!matched)
      throw Error(cat("--freeze ", prefix, ": no trainable parameter of ", train.name(), " starts with '", prefix,
                      "'"));
  }
  size_t offset = 0;
  for (auto& group : by_use)
    for (ParameterSlot& slot : group) {
      offset = (offset + kSlotAlignment - 1) / kSlotAlignment * kSlotAlignment;
      slot.offset = offset;
      offset += slot.numel;
      if (slot.use == ParameterUse::updated) updated_size_ = offset;
      slots_.push_back(std::move(slot));
    }
  values_.assign(offset, 0.0f);
  size_t with_gradient = 0;
  for (const ParameterSlot& slot : slots_)
    if (slot.has_gradient()) with_gradient = slot.offset + slot.numel;
  gradients_.assign(with_gradient, 0.0f);
}

const ParameterSlot* ParameterStore::find(std::string_view name) const {
  for (const ParameterSlot& slot : slots_)
    if (slot.name == name) return &slot;
  return nullptr;
}

std::span<float> ParameterStore::gradient(const ParameterSlot& slot) {
  GRAPHC_ASSERT(slot.has_gradient(), "parameter ", slot.name, " has no gradient");
  return gradients().subspan(slot.offset, slot.numel);
}

std::span<const float> ParameterStore::gradient(const ParameterSlot& slot) const {
  GRAPHC_ASSERT(slot.has_gradient(), "parameter ", slot.name, " has no gradient");
  return gradients().subspan(slot.offset, slot.numel);
}

void ParameterStore::initialize(const Graph& train, uint64_t seed) {
  const TensorMap init = init_parameters(train, seed);
  for (const ParameterSlot& slot : slots_) {
    const HostTensor& t = init.at(slot.name);
    GRAPHC_ASSERT(static_cast<size_t>(t.numel()) == slot.numel, "init of ", slot.name);
    std::span<float> dst = value(slot);
    for (size_t i = 0; i < slot.numel; ++i) dst[i] = static_cast<float>(t.data[i]);
  }
}

size_t ParameterStore::updated_count() const {
  size_t values = 0;
  for (const ParameterSlot& slot : slots_)
    if (slot.use == ParameterUse::updated) values += slot.numel;
  return values;
}

int64_t ParameterStore::count(ParameterUse use) const {
  return std::count_if(slots_.begin(), slots_.end(), [&](const ParameterSlot& s) { return s.use == use; });
}

}  // namespace graphc::runtime
