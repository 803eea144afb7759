// Graph -> JSON. The format is described in json.h; the reader is
// json_reader.cpp. Key order in the text form is fixed by hand (id first) so
// that a node reads left to right like the printer's line for it.
#include <cmath>

#include "ir/json.h"

namespace graphc {

namespace {

using nlohmann::json;

// JSON numbers cannot be inf or nan; the reader maps these strings back.
json float_json(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return v;
}

json attr_json(const Attr& a) {
  return std::visit(
      [](const auto& v) -> json {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, double>) {
          return float_json(v);
        } else if constexpr (std::is_same_v<T, DType>) {
          return std::string(dtype_name(v));
        } else if constexpr (std::is_same_v<T, std::vector<double>>) {
          json list = json::array();
          for (double x : v) list.push_back(float_json(x));
          return list;
        } else {  // int64_t, bool, std::string and int lists map to JSON directly
          return v;
        }
      },
      a);
}

json node_json(const Node& n, ValueId id) {
  json attrs = json::object();
  for (const auto& [name, value] : n.attrs) attrs[name] = attr_json(value);
  return {{"id", id},
          {"op", std::string(op_name(n.op))},
          {"operands", n.operands},
          {"attrs", std::move(attrs)},
          {"type", {{"dtype", std::string(dtype_name(n.type.dtype))}, {"shape", n.type.shape.dims()}}}};
}

// `{"k1": v1, "k2": v2}` with the keys in the given order, values compact.
std::string object_line(const json& obj, std::initializer_list<const char*> keys) {
  std::string s = "{";
  bool first = true;
  for (const char* k : keys) {
    if (!first) s += ", ";
    first = false;
    s += json(k).dump() + ": " + obj.at(k).dump();
  }
  return s + "}";
}

std::string list_lines(const json& list, std::initializer_list<const char*> keys) {
  if (list.empty()) return "[]";
  std::string s = "[\n";
  for (size_t i = 0; i < list.size(); ++i) {
    s += "    " + object_line(list[i], keys);
    if (i + 1 < list.size()) s += ",";
    s += "\n";
  }
  return s + "  ]";
}

}  // namespace

json graph_to_json(const Graph& g) {
  json nodes = json::array();
  for (size_t i = 0; i < g.size(); ++i) nodes.push_back(node_json(g.nodes()[i], static_cast<ValueId>(i)));
  json outputs = json::array();
  for (const Output& o : g.outputs())
    outputs.push_back({{"name", o.name}, {"value", o.value}, {"role", std::string(output_role_name(o.role))}});
  return {{"format", std::string(kJsonFormat)},
          {"version", kJsonVersion},
          {"name", g.name()},
          {"nodes", std::move(nodes)},
          {"outputs", std::move(outputs)}};
}

std::string graph_to_json_text(const Graph& g) {
  json j = graph_to_json(g);
  try {
    std::string s = "{\n";
    s += "  \"format\": " + j["format"].dump() + ",\n";
    s += "  \"version\": " + j["version"].dump() + ",\n";
    s += "  \"name\": " + j["name"].dump() + ",\n";
    s += "  \"nodes\": " + list_lines(j["nodes"], {"id", "op", "operands", "attrs", "type"}) + ",\n";
    s += "  \"outputs\": " + list_lines(j["outputs"], {"name", "value", "role"}) + "\n";
    return s + "}\n";
  } catch (const json::type_error& e) {  // a name that is not valid UTF-8
    throw Error(cat("graph '", g.name(), "' cannot be written as JSON: ", e.what()));
  }
}

}  // namespace graphc
