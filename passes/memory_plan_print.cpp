// print_memory_plan: the text of `graphc --dump-memory-plan`, a table per
// buffer followed by the totals that say how good the plan is.
#include <cstdio>

#include "passes/memory_plan.h"

namespace graphc::passes {

namespace {

std::string ratio(int64_t a, int64_t b) {
  if (b == 0) return "-";
  char text[32];
  std::snprintf(text, sizeof text, "%.3f", static_cast<double>(a) / static_cast<double>(b));
  return text;
}

std::string row(const char* format, auto... args) {
  char text[256];
  std::snprintf(text, sizeof text, format, args...);
  return text;
}

std::string flat_section(const char* title, const FlatLayout& layout) {
  std::string s = cat(title, ": ", layout.entries.size(), " tensors, ", layout.total, " ", dtype_name(layout.dtype),
                      " elements (", layout.bytes(), " bytes)\n");
  for (const FlatEntry& e : layout.entries)
    s += row("  %-24s %%%-6d offset %10lld  size %10lld\n", e.name.c_str(), e.value, static_cast<long long>(e.offset),
             static_cast<long long>(e.size));
  return s;
}

}  // namespace

std::string print_memory_plan(const Graph& g, const FusionPlan& plan, const MemoryPlan& memory) {
  std::string s = cat("memory plan of ", g.name(), ": ", plan.groups.size(), " groups, ", memory.buffers.size(),
                      " arena buffers, ", memory.in_place_count, " written in place, ", memory.views.size(),
                      " reshape views, alignment ", memory.alignment, "\n");
  s += row("  %-7s %-6s %-13s %12s %12s  %-9s %s\n", "value", "group", "interval", "offset", "bytes", "in-place",
           "type");
  for (const ArenaBuffer& b : memory.buffers) {
    std::string value = cat("%", b.value), interval = cat("[", b.first, ", ", b.last, "]"), alias;
    if (b.aliases >= 0) alias = cat("over %", b.aliases);
    s += row("  %-7s %-6d %-13s %12lld %12lld  %-9s %s\n", value.c_str(), b.group, interval.c_str(),
             static_cast<long long>(b.offset), static_cast<long long>(b.bytes), alias.c_str(),
             g.type(b.value).str().c_str());
  }
  for (const ReshapeView& v : memory.views)
    s += cat("  %", v.value, " (group ", v.group, ") is a reshape view of %", v.of,
             memory.runs_kernel(v.group) ? "" : ", no kernel", "\n");
  s += cat("arena ", memory.arena_bytes, " bytes; naive sum ", memory.naive_bytes, " bytes; peak live ",
           memory.peak_live_bytes, " bytes; unfused naive sum ", memory.unfused_naive_bytes, " bytes\n");
  s += cat("arena / peak live ", ratio(memory.arena_bytes, memory.peak_live_bytes), "; arena / naive ",
           ratio(memory.arena_bytes, memory.naive_bytes), "; arena / unfused naive ",
           ratio(memory.arena_bytes, memory.unfused_naive_bytes), "\n");
  s += flat_section("flat parameters", memory.parameters);
  s += flat_section("flat gradients", memory.gradients);
  for (const GradientWrite& w : memory.gradient_writes) {
    if (w.direct) continue;
    s += cat("  gradient '", w.parameter, "' is copied from %", w.value, " after the last group\n");
  }
  return s;
}

}  // namespace graphc::passes
