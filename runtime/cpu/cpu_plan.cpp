// The CPU plan's JSON form, embedded in a trainer's program.
#include "runtime/cpu/cpu_plan.h"

#include "ir/error.h"
#include "ir/json.h"

namespace graphc::runtime::cpu {

using nlohmann::json;

namespace {

constexpr Storage kStorages[] = {Storage::arena,     Storage::scratch,  Storage::input,
                                 Storage::parameter, Storage::gradient, Storage::constant};

json ref_json(const BufferRef& r) {
  json j = {{"storage", storage_name(r.storage)}};
  if (r.storage == Storage::arena || r.storage == Storage::scratch) j["offset"] = r.offset;
  if (r.storage == Storage::input || r.storage == Storage::parameter || r.storage == Storage::gradient)
    j["name"] = r.name;
  if (r.storage == Storage::constant) j["value"] = r.value;
  return j;
}

const json& field(const json& j, const char* key, const std::string& where) {
  if (!j.is_object() || !j.contains(key)) throw Error(cat("cpu plan: ", where, " has no '", key, "'"));
  return j.at(key);
}

int64_t non_negative(const json& j, const char* key, const std::string& where) {
  const json& v = field(j, key, where);
  if (!v.is_number_integer() || v.get<int64_t>() < 0)
    throw Error(cat("cpu plan: ", where, ".", key, " must be a non-negative integer"));
  return v.get<int64_t>();
}

std::string text(const json& j, const char* key, const std::string& where) {
  const json& v = field(j, key, where);
  if (!v.is_string()) throw Error(cat("cpu plan: ", where, ".", key, " must be a string"));
  return v.get<std::string>();
}

BufferRef ref_from(const json& j, const std::string& where) {
  const std::string s = text(j, "storage", where);
  BufferRef r;
  bool known = false;
  for (Storage candidate : kStorages)
    if (storage_name(candidate) == s) r.storage = candidate, known = true;
  if (!known) throw Error(cat("cpu plan: ", where, " has unknown storage '", s, "'"));
  if (r.storage == Storage::arena || r.storage == Storage::scratch) r.offset = non_negative(j, "offset", where);
  if (r.storage == Storage::input || r.storage == Storage::parameter || r.storage == Storage::gradient)
    r.name = text(j, "name", where);
  if (r.storage == Storage::constant) {
    const json& v = field(j, "value", where);
    if (!v.is_number()) throw Error(cat("cpu plan: ", where, ".value must be a number"));
    r.value = v.get<double>();
  }
  return r;
}

json graph_plan_json(const CpuGraphPlan& p) {
  json calls = json::array(), outputs = json::array();
  for (const KernelCall& c : p.calls) {
    json buffers = json::array();
    for (const BufferRef& r : c.buffers) buffers.push_back(ref_json(r));
    calls.push_back({{"kernel", c.kernel}, {"buffers", buffers}});
  }
  for (const PlannedOutput& o : p.outputs) outputs.push_back({{"name", o.name}, {"at", ref_json(o.at)}});
  return {{"arena_bytes", p.arena_bytes}, {"scratch_bytes", p.scratch_bytes}, {"calls", calls}, {"outputs", outputs}};
}

CpuGraphPlan graph_plan_from(const json& j, const std::string& where) {
  CpuGraphPlan p;
  p.arena_bytes = non_negative(j, "arena_bytes", where);
  p.scratch_bytes = non_negative(j, "scratch_bytes", where);
  const json& calls = field(j, "calls", where);
  const json& outputs = field(j, "outputs", where);
  if (!calls.is_array() || !outputs.is_array()) throw Error(cat("cpu plan: ", where, " calls/outputs must be arrays"));
  for (size_t i = 0; i < calls.size(); ++i) {
    const std::string at = cat(where, ".calls[", i, "]");
    KernelCall c;
    c.kernel = text(calls[i], "kernel", at);
    const json& buffers = field(calls[i], "buffers", at);
    if (!buffers.is_array()) throw Error(cat("cpu plan: ", at, ".buffers must be an array"));
    for (size_t b = 0; b < buffers.size(); ++b) c.buffers.push_back(ref_from(buffers[b], cat(at, ".buffers[", b, "]")));
    p.calls.push_back(std::move(c));
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    const std::string at = cat(where, ".outputs[", i, "]");
    p.outputs.push_back({text(outputs[i], "name", at), ref_from(field(outputs[i], "at", at), at + ".at")});
  }
  return p;
}

}  // namespace

std::string storage_name(Storage s) {
  switch (s) {
    case Storage::arena: return "arena";
    case Storage::scratch: return "scratch";
    case Storage::input: return "input";
    case Storage::parameter: return "parameter";
    case Storage::gradient: return "gradient";
    case Storage::constant: return "constant";
  }
  return "?";
}

json cpu_plan_to_json(const CpuPlan& plan) {
  return {{"target_cpu", plan.target_cpu},
          {"target_features", plan.target_features},
          {"train", graph_plan_json(plan.train)},
          {"eval", graph_plan_json(plan.eval)}};
}

CpuPlan cpu_plan_from_json(const json& j) {
  CpuPlan p;
  p.target_cpu = text(j, "target_cpu", "plan");
  p.target_features = text(j, "target_features", "plan");
  p.train = graph_plan_from(field(j, "train", "plan"), "train");
  p.eval = graph_plan_from(field(j, "eval", "plan"), "eval");
  return p;
}

}  // namespace graphc::runtime::cpu
