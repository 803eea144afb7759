// A graph plan's JSON form, embedded in a trainer's program.
#include "runtime/graph_plan.h"

#include "ir/error.h"

namespace graphc::runtime {

using nlohmann::json;

namespace plan_json {

const json& field(const json& j, const char* key, const std::string& plan, const std::string& where) {
  if (!j.is_object() || !j.contains(key)) throw Error(cat(plan, ": ", where, " has no '", key, "'"));
  return j.at(key);
}

int64_t non_negative(const json& j, const char* key, const std::string& plan, const std::string& where) {
  const json& v = field(j, key, plan, where);
  if (!v.is_number_integer() || v.get<int64_t>() < 0)
    throw Error(cat(plan, ": ", where, ".", key, " must be a non-negative integer"));
  return v.get<int64_t>();
}

std::string text(const json& j, const char* key, const std::string& plan, const std::string& where) {
  const json& v = field(j, key, plan, where);
  if (!v.is_string()) throw Error(cat(plan, ": ", where, ".", key, " must be a string"));
  return v.get<std::string>();
}

}  // namespace plan_json

namespace {

using namespace plan_json;

constexpr Storage kStorages[] = {Storage::arena,     Storage::scratch,  Storage::input,
                                 Storage::parameter, Storage::gradient, Storage::constant};

bool has_offset(Storage s) { return s == Storage::arena || s == Storage::scratch; }
bool has_name(Storage s) { return s == Storage::input || s == Storage::parameter || s == Storage::gradient; }

json ref_json(const BufferRef& r) {
  json j = {{"storage", storage_name(r.storage)}};
  if (has_offset(r.storage)) j["offset"] = r.offset;
  if (has_name(r.storage)) j["name"] = r.name;
  if (r.storage == Storage::constant) j["value"] = r.value;
  return j;
}

BufferRef ref_from(const json& j, const std::string& plan, const std::string& where) {
  const std::string s = text(j, "storage", plan, where);
  BufferRef r;
  bool known = false;
  for (Storage candidate : kStorages)
    if (storage_name(candidate) == s) r.storage = candidate, known = true;
  if (!known) throw Error(cat(plan, ": ", where, " has unknown storage '", s, "'"));
  if (has_offset(r.storage)) r.offset = non_negative(j, "offset", plan, where);
  if (has_name(r.storage)) r.name = text(j, "name", plan, where);
  if (r.storage == Storage::constant) {
    const json& v = field(j, "value", plan, where);
    if (!v.is_number()) throw Error(cat(plan, ": ", where, ".value must be a number"));
    r.value = v.get<double>();
  }
  return r;
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

json graph_plan_to_json(const GraphPlan& p) {
  json calls = json::array(), outputs = json::array();
  for (const KernelCall& c : p.calls) {
    json buffers = json::array();
    for (const BufferRef& r : c.buffers) buffers.push_back(ref_json(r));
    calls.push_back({{"kernel", c.kernel}, {"buffers", buffers}, {"what", c.what}});
  }
  for (const PlannedOutput& o : p.outputs) outputs.push_back({{"name", o.name}, {"at", ref_json(o.at)}});
  return {{"arena_bytes", p.arena_bytes}, {"scratch_bytes", p.scratch_bytes}, {"calls", calls}, {"outputs", outputs}};
}

GraphPlan graph_plan_from_json(const json& j, const std::string& plan, const std::string& where) {
  GraphPlan p;
  p.arena_bytes = non_negative(j, "arena_bytes", plan, where);
  p.scratch_bytes = non_negative(j, "scratch_bytes", plan, where);
  const json& calls = field(j, "calls", plan, where);
  const json& outputs = field(j, "outputs", plan, where);
  if (!calls.is_array() || !outputs.is_array()) throw Error(cat(plan, ": ", where, " calls/outputs must be arrays"));
  for (size_t i = 0; i < calls.size(); ++i) {
    const std::string at = cat(where, ".calls[", i, "]");
    KernelCall c;
    c.kernel = text(calls[i], "kernel", plan, at);
    if (calls[i].contains("what")) c.what = text(calls[i], "what", plan, at);
    const json& buffers = field(calls[i], "buffers", plan, at);
    if (!buffers.is_array()) throw Error(cat(plan, ": ", at, ".buffers must be an array"));
    for (size_t b = 0; b < buffers.size(); ++b)
      c.buffers.push_back(ref_from(buffers[b], plan, cat(at, ".buffers[", b, "]")));
    p.calls.push_back(std::move(c));
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    const std::string at = cat(where, ".outputs[", i, "]");
    p.outputs.push_back({text(outputs[i], "name", plan, at), ref_from(field(outputs[i], "at", plan, at), plan, at + ".at")});
  }
  return p;
}

}  // namespace graphc::runtime
