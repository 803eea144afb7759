#include "passes/flat_layout.h"

namespace graphc::passes {

const FlatEntry* FlatLayout::find(std::string_view name) const {
  for (const FlatEntry& e : entries)
    if (e.name == name) return &e;
  return nullptr;
}

namespace {

struct Slot {
  std::string name;
  ValueId value;
  TensorType type;
};

FlatLayout pack(const std::vector<Slot>& slots, int64_t alignment, const char* buffer) {
  FlatLayout layout;
  if (!slots.empty()) layout.dtype = slots.front().type.dtype;
  const int64_t element = static_cast<int64_t>(dtype_size(layout.dtype));
  if (alignment <= 0 || alignment % element != 0)
    throw Error(cat("the flat ", buffer, " buffer's alignment of ", alignment, " bytes is not a multiple of its ",
                    dtype_name(layout.dtype), " elements"));
  const int64_t align_elements = alignment / element;
  auto align = [&](int64_t n) { return (n + align_elements - 1) / align_elements * align_elements; };
  for (const Slot& s : slots) {
    if (s.type.dtype != layout.dtype)
      throw Error(cat("parameter '", s.name, "' is ", s.type.str(), " but the flat ", buffer, " buffer holds ",
                      dtype_name(layout.dtype), " (the type of '", slots.front().name, "')"));
    if (s.type.shape.has_batch())
      throw Error(cat("parameter '", s.name, "' has the batch dimension N in its type ", s.type.str()));
    int64_t size = s.type.shape.numel(1);
    layout.entries.push_back({s.name, s.value, layout.total, size});
    layout.total = align(layout.total + size);
  }
  return layout;
}

}  // namespace

FlatLayout flat_parameter_layout(const Graph& g, int64_t alignment) {
  std::vector<Slot> slots;
  for (ValueId p : g.parameters()) slots.push_back({g.node(p).s("name"), p, g.type(p)});
  return pack(slots, alignment, "parameter");
}

FlatLayout flat_gradient_layout(const Graph& g, int64_t alignment) {
  for (const Output& o : g.outputs()) {
    if (o.role != OutputRole::gradient) continue;
    std::optional<ValueId> p = g.find_parameter(o.name);
    if (!p) throw Error(cat("gradient output '", o.name, "' names no parameter"));
    if (g.type(o.value) != g.type(*p))
      throw Error(
          cat("gradient output '", o.name, "' is ", g.type(o.value).str(), " but its parameter is ", g.type(*p).str()));
  }
  std::vector<Slot> slots;
  for (ValueId p : g.parameters()) {
    const std::string& name = g.node(p).s("name");
    const Output* o = g.find_output(name);
    if (o && o->role == OutputRole::gradient) slots.push_back({name, o->value, g.type(o->value)});
  }
  return pack(slots, alignment, "gradient");
}

}  // namespace graphc::passes
