#include "frontend/model_registry.h"

#include <algorithm>

namespace graphc {

namespace {
std::vector<ModelDef>& registry() {
  static std::vector<ModelDef> models;
  return models;
}
}  // namespace

void register_model(ModelDef def) {
  auto& r = registry();
  GRAPHC_ASSERT(!find_model(def.name), "model ", def.name, " is registered twice");
  auto at = std::lower_bound(r.begin(), r.end(), def.name, [](const ModelDef& m, const std::string& n) { return m.name < n; });
  r.insert(at, std::move(def));
}

const std::vector<ModelDef>& registered_models() { return registry(); }

const ModelDef* find_model(const std::string& name) {
  for (const auto& m : registry())
    if (m.name == name) return &m;
  return nullptr;
}

Graph build_model(const ModelDef& def, Mode mode, const std::vector<std::string>& frozen) {
  Graph g(def.name);
  Builder b(g, mode);
  for (const auto& prefix : frozen) b.freeze(prefix);
  def.build(b);
  for (const auto& prefix : frozen) {
    bool matched = false;
    for (ValueId p : g.parameters()) matched |= g.node(p).s("name").rfind(prefix, 0) == 0;
    if (!matched) throw Error(cat("--freeze ", prefix, ": no parameter of ", def.name, " starts with it"));
  }
  return g;
}

const ModelDef& get_model(const std::string& name) {
  if (const ModelDef* def = find_model(name)) return *def;
  std::string known;
  for (const auto& m : registry()) {
    if (!known.empty()) known += ", ";
    known += m.name;
  }
  throw Error(cat("unknown model '", name, "' (known: ", known, ")"));
}

Graph build_model(const std::string& name, Mode mode, const std::vector<std::string>& frozen) {
  return build_model(get_model(name), mode, frozen);
}

}  // namespace graphc
