#include "runtime/program.h"

#include <cstdio>

#include "ir/json.h"
#include "ir/verifier.h"

namespace graphc::runtime {

namespace {
using nlohmann::json;

json program_json(const Program& p) {
  json j = {{"format", kProgramFormat},
          {"version", kProgramVersion},
          {"model", p.model},
          {"max_batch", p.max_batch},
          {"recipe", json::parse(recipe_to_json_text(p.recipe))},
          {"train", graph_to_json(p.train)},
          {"eval", graph_to_json(p.eval)}};
  if (p.cpu) j["cpu"] = cpu::cpu_plan_to_json(*p.cpu);
  if (p.cuda) j["cuda"] = cuda::cuda_plan_to_json(*p.cuda);
  j["default_device"] = p.default_device;
  return j;
}

uint64_t fnv1a(std::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}
}  // namespace

bool is_device_name(std::string_view name) { return name == "cpu" || name == "cuda" || name == "interpreter"; }

std::string Program::fingerprint() const {
  json j = program_json(*this);
  j.erase("max_batch");  // the same computation, planned for another batch, is the same program
  j.erase("cpu");
  j.erase("cuda");
  j.erase("default_device");
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(fnv1a(j.dump())));
  return buf;
}

std::string program_to_json_text(const Program& p) { return program_json(p).dump(); }

Program program_from_json_text(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw Error("program: not a JSON object");
  auto field = [&](const char* key) -> const json& {
    if (!j.contains(key)) throw Error(cat("program: missing field '", key, "'"));
    return j.at(key);
  };
  if (field("format") != kProgramFormat || field("version") != kProgramVersion)
    throw Error(cat("program: expected format ", kProgramFormat, " version ", kProgramVersion));
  Program p;
  if (!field("model").is_string() || !field("max_batch").is_number_integer())
    throw Error("program: 'model' must be a string and 'max_batch' an integer");
  p.model = field("model").get<std::string>();
  p.max_batch = field("max_batch").get<int64_t>();
  if (p.max_batch < 1) throw Error(cat("program: max_batch ", p.max_batch, " must be positive"));
  p.recipe = recipe_from_json_text(field("recipe").dump());
  p.train = graph_from_json(field("train"));
  p.eval = graph_from_json(field("eval"));
  verify(p.train);
  verify(p.eval);
  if (j.contains("cpu")) p.cpu = cpu::cpu_plan_from_json(j.at("cpu"));
  if (j.contains("cuda")) p.cuda = cuda::cuda_plan_from_json(j.at("cuda"));
  if (j.contains("default_device")) {
    const json& d = j.at("default_device");
    if (!d.is_string() || !is_device_name(d.get<std::string>()))
      throw Error("program: 'default_device' must be \"cpu\", \"cuda\" or \"interpreter\"");
    p.default_device = d.get<std::string>();
  }
  return p;
}

}  // namespace graphc::runtime
