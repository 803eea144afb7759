// check_memory_plan: the planner's proof obligation, recomputed from the
// graph and the schedule rather than trusted from the plan, so a planner bug
// cannot hide behind its own bookkeeping.
#include <algorithm>
#include <map>

#include "passes/in_place_reuse.h"
#include "passes/memory_plan.h"
#include "passes/reshape_views.h"

namespace graphc::passes {

namespace {

// A computed value's lifetime, found by scanning the schedule.
struct Lifetime {
  int producer = -1, last = -1;
  bool graph_output = false;
};

std::map<ValueId, Lifetime> lifetimes(const Graph& g, const FusionPlan& plan) {
  std::map<ValueId, Lifetime> result;
  const int group_count = static_cast<int>(plan.groups.size());
  for (int gi = 0; gi < group_count; ++gi)
    for (ValueId v : plan.groups[gi].outputs) result[v] = {gi, gi, false};
  for (int gi = 0; gi < group_count; ++gi)
    for (ValueId v : plan.groups[gi].inputs) {
      auto it = result.find(v);
      if (it == result.end()) continue;  // a source
      if (it->second.producer >= gi)
        throw Error(cat("fusion group ", gi, " reads %", v, " before group ", it->second.producer, " writes it"));
      it->second.last = std::max(it->second.last, gi);
    }
  for (const Output& o : g.outputs()) {
    auto it = result.find(o.value);
    if (it == result.end()) continue;
    it->second.graph_output = true;
    it->second.last = group_count - 1;
  }
  return result;
}

void check_flat_layout(const Graph& g, const FlatLayout& layout, const std::vector<ValueId>& params, int64_t alignment,
                       const char* buffer) {
  if (layout.entries.size() != params.size())
    throw Error(cat("the flat ", buffer, " buffer has ", layout.entries.size(), " tensors, expected ", params.size()));
  const int64_t element = static_cast<int64_t>(dtype_size(layout.dtype));
  int64_t end = 0;
  for (size_t i = 0; i < params.size(); ++i) {
    const FlatEntry& e = layout.entries[i];
    const std::string& name = g.node(params[i]).s("name");
    if (e.name != name)
      throw Error(
          cat("flat ", buffer, " slot ", i, " is '", e.name, "', expected '", name, "' (graph parameter order)"));
    if (e.size != g.type(params[i]).shape.numel(1))
      throw Error(cat("flat ", buffer, " slot '", name, "' has ", e.size, " elements, expected ",
                      g.type(params[i]).shape.numel(1)));
    if (e.offset * element % alignment != 0)
      throw Error(cat("flat ", buffer, " slot '", name, "' starts at element ", e.offset, ", not ", alignment,
                      "-byte aligned"));
    if (e.offset < end)
      throw Error(cat("flat ", buffer, " slot '", name, "' at element ", e.offset, " overlaps the slot before it"));
    end = e.offset + e.size;
  }
  if (layout.total < end) throw Error(cat("the flat ", buffer, " buffer's ", layout.total, " elements miss ", end));
}

void check_gradient_writes(const Graph& g, const MemoryPlan& memory, const std::map<ValueId, Lifetime>& live) {
  std::vector<const Output*> gradients;
  for (const Output& o : g.outputs())
    if (o.role == OutputRole::gradient) gradients.push_back(&o);
  if (memory.gradient_writes.size() != gradients.size())
    throw Error(cat("the memory plan has ", memory.gradient_writes.size(), " gradient writes for ", gradients.size(),
                    " gradient outputs"));
  std::vector<ValueId> direct;
  for (size_t i = 0; i < gradients.size(); ++i) {
    const GradientWrite& w = memory.gradient_writes[i];
    if (w.parameter != gradients[i]->name || w.value != gradients[i]->value)
      throw Error(cat("gradient write ", i, " is '", w.parameter, "' = %", w.value, ", expected '", gradients[i]->name,
                      "' = %", gradients[i]->value));
    if (!w.direct) continue;
    if (!live.count(w.value))
      throw Error(cat("gradient '", w.parameter, "' = %", w.value, " is marked direct but no group computes it"));
    if (std::find(direct.begin(), direct.end(), w.value) != direct.end())
      throw Error(cat("%", w.value, " is written directly to two gradient slots"));
    direct.push_back(w.value);
  }
}

// Each declared view is a reshape, inside its group, of a stored value, and
// names the storage owner that value resolves to; a group runs no kernel only
// when every output it has is such a view. Folds each view's lifetime into
// its owner's.
void check_views(const Graph& g, const FusionPlan& plan, const MemoryPlan& memory, std::map<ValueId, Lifetime>& live) {
  std::map<ValueId, ValueId> owner;
  for (const ReshapeView& v : memory.views) {
    auto it = live.find(v.value);
    if (it == live.end() || it->second.producer != v.group)
      throw Error(cat("view %", v.value, " is not an output of group ", v.group));
    const ValueId reshaped = reshaped_value(g, plan.groups[v.group], v.value);
    if (reshaped < 0)
      throw Error(cat("view %", v.value, " is not a reshape of a value stored before group ", v.group, " ends"));
    for (const Output& o : g.outputs())
      if (o.role == OutputRole::gradient && o.value == v.value)
        throw Error(cat("view %", v.value, " is the gradient '", o.name, "', which must be written to its slot"));
    if (!owner.emplace(v.value, v.of).second) throw Error(cat("%", v.value, " is declared a view twice"));
    if (g.node(v.of).op == OpKind::constant || g.node(v.of).op == OpKind::batch_size)
      throw Error(cat("view %", v.value, " views the immediate %", v.of));
  }
  for (const ReshapeView& v : memory.views) {
    ValueId reshaped = reshaped_value(g, plan.groups[v.group], v.value);
    ValueId expected = owner.count(reshaped) ? owner.at(reshaped) : reshaped;
    if (v.of != expected) throw Error(cat("view %", v.value, " names %", v.of, " as its storage, expected %", expected));
  }
  if (memory.group_runs.size() != plan.groups.size())
    throw Error(cat("the memory plan says whether ", memory.group_runs.size(), " groups run, the plan has ",
                    plan.groups.size()));
  for (size_t gi = 0; gi < plan.groups.size(); ++gi) {
    const std::vector<ValueId>& outputs = plan.groups[gi].outputs;
    bool all_views = std::all_of(outputs.begin(), outputs.end(), [&](ValueId v) { return owner.count(v) != 0; });
    if (memory.group_runs[gi] == all_views)
      throw Error(cat("group ", gi, " is marked to ", memory.group_runs[gi] ? "run" : "skip", " its kernel, but ",
                      all_views ? "all" : "not all", " its outputs are views"));
  }
  for (const auto& [view, storage] : owner) {
    auto it = live.find(storage);
    if (it == live.end()) continue;  // a graph input or a parameter: always there
    it->second.last = std::max(it->second.last, live.at(view).last);
    it->second.graph_output = it->second.graph_output || live.at(view).graph_output;
  }
}

std::string describe(const ArenaBuffer& b) {
  return cat("%", b.value, " (groups [", b.first, ", ", b.last, "], bytes [", b.offset, ", ", b.offset + b.bytes, "))");
}

}  // namespace

void check_memory_plan(const Graph& g, const FusionPlan& plan, const MemoryPlan& memory) {
  const int64_t alignment = memory.alignment;
  if (alignment <= 0 || (alignment & (alignment - 1)) != 0)
    throw Error(cat("memory plan alignment ", alignment, " is not a power of two"));
  std::map<ValueId, Lifetime> live = lifetimes(g, plan);
  check_gradient_writes(g, memory, live);
  check_views(g, plan, memory, live);
  check_flat_layout(g, memory.parameters, g.parameters(), alignment, "parameter");
  std::vector<ValueId> with_gradient;
  for (ValueId p : g.parameters()) {
    const Output* o = g.find_output(g.node(p).s("name"));
    if (o && o->role == OutputRole::gradient) with_gradient.push_back(p);
  }
  check_flat_layout(g, memory.gradients, with_gradient, alignment, "gradient");

  // Every computed value that is not written to a gradient slot is planned
  // exactly once, with its true lifetime and size.
  std::map<ValueId, const ArenaBuffer*> buffer_of;
  for (const ArenaBuffer& b : memory.buffers) {
    auto it = live.find(b.value);
    if (it == live.end()) throw Error(cat("%", b.value, " has an arena buffer but no fusion group outputs it"));
    if (memory.direct_gradient(b.value))
      throw Error(cat("%", b.value, " has an arena buffer but is written to its gradient slot"));
    if (memory.view(b.value)) throw Error(cat("%", b.value, " has an arena buffer but is a view"));
    if (!buffer_of.emplace(b.value, &b).second) throw Error(cat("%", b.value, " has two arena buffers"));
    const Lifetime& l = it->second;
    if (b.group != l.producer || b.first != l.producer || b.last != l.last)
      throw Error(cat(describe(b), " is written by group ", b.group, " but lives over groups [", l.producer, ", ",
                      l.last, "]"));
    const TensorType& t = g.type(b.value);
    if (b.bytes != t.shape.numel(1) * static_cast<int64_t>(dtype_size(t.dtype)))
      throw Error(cat(describe(b), " is too small for its type ", t.str()));
    if (b.offset < 0 || b.offset % alignment != 0)
      throw Error(cat(describe(b), " is not ", alignment, "-byte aligned"));
    if (b.offset + b.bytes > memory.arena_bytes)
      throw Error(cat(describe(b), " runs past the end of the ", memory.arena_bytes, "-byte arena"));
  }
  for (const auto& [value, l] : live)
    if (!buffer_of.count(value) && !memory.direct_gradient(value) && !memory.view(value))
      throw Error(cat("%", value, ", written by group ", l.producer, ", has no buffer"));

  // In-place writes: legal for the kernel, over an input that dies there.
  std::map<ValueId, ValueId> overwritten_by;
  for (const ArenaBuffer& b : memory.buffers) {
    if (b.aliases < 0) continue;
    auto it = buffer_of.find(b.aliases);
    if (it == buffer_of.end())
      throw Error(cat(describe(b), " is written over %", b.aliases, ", which has no arena buffer"));
    const ArenaBuffer& input = *it->second;
    if (!can_write_in_place(g, plan.groups[b.group], b.value, input.value))
      throw Error(cat(describe(b), " may not be written in place over ", describe(input), " by group ", b.group));
    if (input.last != b.first || live.at(input.value).graph_output)
      throw Error(
          cat(describe(b), " is written over ", describe(input), ", which is still live after group ", b.first));
    if (input.offset != b.offset)
      throw Error(cat(describe(b), " is declared in place over ", describe(input), " elsewhere"));
    if (!overwritten_by.emplace(input.value, b.value).second)
      throw Error(cat(describe(input), " is overwritten in place twice"));
  }

  // No two buffers live at once share a byte, save a declared in-place pair.
  std::vector<const ArenaBuffer*> by_offset;
  for (const ArenaBuffer& b : memory.buffers) by_offset.push_back(&b);
  std::sort(by_offset.begin(), by_offset.end(),
            [](const ArenaBuffer* a, const ArenaBuffer* b) { return a->offset < b->offset; });
  for (size_t i = 0; i < by_offset.size(); ++i) {
    const ArenaBuffer& a = *by_offset[i];
    for (size_t j = i + 1; j < by_offset.size() && by_offset[j]->offset < a.offset + a.bytes; ++j) {
      const ArenaBuffer& b = *by_offset[j];
      if (b.bytes == 0 || a.first > b.last || b.first > a.last) continue;
      if (b.aliases == a.value || a.aliases == b.value)
        continue;  // checked above: the input dies where it is overwritten
      throw Error(cat(describe(a), " and ", describe(b), " are live at once and overlap in the arena"));
    }
  }
}

}  // namespace graphc::passes
