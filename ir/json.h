// The JSON form of a graph: lossless, so `graphc --ir file.json` can compile
// graphs that no C++ file made, and hostile files can be fed to it safely.
//
//   {"format": "graphc-ir", "version": 1, "name": "mlp",
//    "nodes": [
//      {"id": 0, "op": "input", "operands": [], "attrs": {"name": "x", "role": "data"},
//       "type": {"dtype": "f32", "shape": [-1, 784]}},
//      ...],
//    "outputs": [{"name": "loss", "value": 9, "role": "loss"}]}
//
// A node's id is its position; operands name earlier ids; -1 in a shape (and
// in shape-typed attributes) is the batch symbol N. Attributes are typed by
// the op table: int, float, bool, string, int list, float list, shape (int
// list) and dtype (its name). Floats are written with enough digits to read
// back exactly; JSON has no inf/nan, so those are the strings "inf", "-inf"
// and "nan".
//
// The reader rebuilds the graph through Graph::add_typed, so shape inference
// runs again and must agree with every recorded type: whatever the reader
// accepts obeys every rule of the IR. Anything else (bad JSON, unknown ops or
// fields, wrong types, forward references, duplicate names) is a
// graphc::Error naming the node and field.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "ir/graph.h"

namespace graphc {

inline constexpr std::string_view kJsonFormat = "graphc-ir";
inline constexpr int kJsonVersion = 1;

nlohmann::json graph_to_json(const Graph& g);
// Pretty text with one node per line, so diffs of two graphs read well.
std::string graph_to_json_text(const Graph& g);

Graph graph_from_json(const nlohmann::json& j);
Graph graph_from_json_text(std::string_view text);

}  // namespace graphc
