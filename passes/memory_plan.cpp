// plan_memory: liveness -> reshape views fold into the storage they view ->
// which values go to the arena -> in-place choices -> alias chains merged
// into one lifetime each -> best-fit placement.
#include "passes/memory_plan.h"

#include <algorithm>

#include "passes/arena_placement.h"
#include "passes/in_place_reuse.h"
#include "passes/liveness.h"
#include "passes/reshape_views.h"

namespace graphc::passes {

const ArenaBuffer* MemoryPlan::find(ValueId v) const {
  for (const ArenaBuffer& b : buffers)
    if (b.value == v) return &b;
  return nullptr;
}

const GradientWrite* MemoryPlan::direct_gradient(ValueId v) const {
  for (const GradientWrite& w : gradient_writes)
    if (w.direct && w.value == v) return &w;
  return nullptr;
}

const ReshapeView* MemoryPlan::view(ValueId v) const {
  for (const ReshapeView& r : views)
    if (r.value == v) return &r;
  return nullptr;
}

bool MemoryPlan::runs_kernel(int group) const {
  GRAPHC_ASSERT(group >= 0 && static_cast<size_t>(group) < group_runs.size(), "no group ", group);
  return group_runs[group];
}

namespace {

void require_bound_batch(const Graph& g) {
  for (size_t v = 0; v < g.size(); ++v)
    if (g.nodes()[v].type.shape.has_batch())
      throw Error(cat("memory planning needs a bound batch size, but %", v, " (", op_name(g.nodes()[v].op),
                      ") of graph ", g.name(), " has type ", g.nodes()[v].type.str(),
                      ": plan g.with_batch(max_batch)"));
}

int64_t bytes_of(const Graph& g, ValueId v) {
  const TensorType& t = g.type(v);
  return t.shape.numel(1) * static_cast<int64_t>(dtype_size(t.dtype));
}

// One gradient write per gradient output; the first parameter whose gradient
// a computed value is gets it written directly.
std::vector<GradientWrite> plan_gradient_writes(const Graph& g, const std::vector<ValueLiveness>& live) {
  std::vector<bool> computed(g.size(), false), written(g.size(), false);
  for (const ValueLiveness& l : live) computed[l.value] = true;
  std::vector<GradientWrite> writes;
  for (const Output& o : g.outputs()) {
    if (o.role != OutputRole::gradient) continue;
    bool direct = computed[o.value] && !written[o.value];
    written[o.value] = written[o.value] || direct;
    writes.push_back({o.name, o.value, direct});
  }
  return writes;
}

// A view keeps the bytes it views in use: the owner's lifetime grows to
// cover every reader of every view of it.
std::vector<ValueLiveness> storage_liveness(const Graph& g, std::vector<ValueLiveness> live,
                                            const std::vector<ValueId>& view_of) {
  std::vector<int> entry_of(g.size(), -1);
  for (size_t i = 0; i < live.size(); ++i) entry_of[live[i].value] = static_cast<int>(i);
  for (size_t i = 0; i < live.size(); ++i) {
    if (view_of[i] < 0 || entry_of[view_of[i]] < 0) continue;  // a view of a graph input or parameter
    ValueLiveness& owner = live[entry_of[view_of[i]]];
    owner.last_reader = std::max(owner.last_reader, live[i].last_reader);
    owner.graph_output = owner.graph_output || live[i].graph_output;
  }
  return live;
}

}  // namespace

MemoryPlan plan_memory(const Graph& g, const FusionPlan& plan, const MemoryPlanOptions& options) {
  if (options.alignment <= 0 || (options.alignment & (options.alignment - 1)) != 0)
    throw Error(cat("memory plan alignment ", options.alignment, " is not a power of two"));
  require_bound_batch(g);
  MemoryPlan memory;
  memory.alignment = options.alignment;
  memory.parameters = flat_parameter_layout(g, options.alignment);
  memory.gradients = flat_gradient_layout(g, options.alignment);

  for (size_t v = 0; v < g.size(); ++v)
    if (g.nodes()[v].info().cls != OpClass::source)
      memory.unfused_naive_bytes += align_up(bytes_of(g, static_cast<ValueId>(v)), options.alignment);

  const std::vector<ValueLiveness> value_live = compute_liveness(g, plan);
  const std::vector<ValueId> view_of = find_reshape_views(g, plan, value_live);
  const std::vector<ValueLiveness> live = storage_liveness(g, value_live, view_of);
  memory.gradient_writes = plan_gradient_writes(g, live);
  memory.group_runs.assign(plan.groups.size(), false);
  std::vector<bool> in_arena(live.size());
  for (size_t i = 0; i < live.size(); ++i) {
    if (view_of[i] >= 0) {
      memory.views.push_back({live[i].value, view_of[i], live[i].producer});
    } else {
      memory.group_runs[live[i].producer] = true;
      in_arena[i] = memory.direct_gradient(live[i].value) == nullptr;
    }
  }
  std::vector<int> overwrites(live.size(), -1);
  if (options.in_place) overwrites = choose_in_place(g, plan, live, in_arena);

  // An in-place chain is one allocation: its lifetime runs from the first
  // writer to the last reader of the last value in the chain.
  const int group_count = static_cast<int>(plan.groups.size());
  std::vector<int> slot_of(live.size(), -1);
  std::vector<LiveRange> slots;
  for (size_t i = 0; i < live.size(); ++i) {
    if (!in_arena[i]) continue;
    const ValueLiveness& l = live[i];
    ArenaBuffer b{l.value, l.producer, l.first(), l.last(group_count), 0, bytes_of(g, l.value), -1};
    if (overwrites[i] >= 0) {
      b.aliases = live[overwrites[i]].value;
      slot_of[i] = slot_of[overwrites[i]];
      LiveRange& s = slots[slot_of[i]];
      s.last = std::max(s.last, b.last);
      ++memory.in_place_count;
    } else {
      slot_of[i] = static_cast<int>(slots.size());
      slots.push_back({b.bytes, b.first, b.last});
    }
    memory.naive_bytes += align_up(b.bytes, options.alignment);
    memory.buffers.push_back(b);
  }

  ArenaPlacement placement = place_best_fit(slots, options.alignment);
  memory.arena_bytes = placement.arena_bytes;
  memory.peak_live_bytes = peak_live_bytes(slots, options.alignment);
  size_t next = 0;
  for (size_t i = 0; i < live.size(); ++i)
    if (in_arena[i]) memory.buffers[next++].offset = placement.offsets[slot_of[i]];
  return memory;
}

}  // namespace graphc::passes
