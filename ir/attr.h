// Node attributes: a small closed set of value types, kept by name in a
// sorted map so that printing and serialization are stable.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "ir/dtype.h"

namespace graphc {

// `shape` is a list of ints in which kBatch prints as N and is substituted
// by Graph::with_batch; `ints` is any other list of ints.
enum class AttrType { i64, f64, boolean, str, ints, floats, shape, dtype };

using Attr = std::variant<int64_t, double, bool, std::string, std::vector<int64_t>, std::vector<double>, DType>;
using AttrMap = std::map<std::string, Attr>;

std::string_view attr_type_name(AttrType t);
// Whether the variant alternative held by `a` is the one AttrType t uses.
bool attr_has_type(const Attr& a, AttrType t);
// Text form used by the printer: 3, 0.5, true, "x", [1,2], [N,784], f32.
std::string attr_str(const Attr& a, AttrType t);

}  // namespace graphc
