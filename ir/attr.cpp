#include "ir/attr.h"

#include <cstdio>
#include <cstdlib>

#include "ir/shape.h"

namespace graphc {

std::string_view attr_type_name(AttrType t) {
  switch (t) {
    case AttrType::i64: return "int";
    case AttrType::f64: return "float";
    case AttrType::boolean: return "bool";
    case AttrType::str: return "string";
    case AttrType::ints: return "int list";
    case AttrType::floats: return "float list";
    case AttrType::shape: return "shape";
    case AttrType::dtype: return "dtype";
  }
  return "?";
}

bool attr_has_type(const Attr& a, AttrType t) {
  switch (t) {
    case AttrType::i64: return std::holds_alternative<int64_t>(a);
    case AttrType::f64: return std::holds_alternative<double>(a);
    case AttrType::boolean: return std::holds_alternative<bool>(a);
    case AttrType::str: return std::holds_alternative<std::string>(a);
    case AttrType::ints:
    case AttrType::shape: return std::holds_alternative<std::vector<int64_t>>(a);
    case AttrType::floats: return std::holds_alternative<std::vector<double>>(a);
    case AttrType::dtype: return std::holds_alternative<DType>(a);
  }
  return false;
}

namespace {
// Shortest text that reads back as the same double.
std::string float_str(double v) {
  char buf[40];
  for (int precision = 6; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}
}  // namespace

std::string attr_str(const Attr& a, AttrType t) {
  if (t == AttrType::shape) return dims_str(std::get<std::vector<int64_t>>(a));
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, int64_t>) return std::to_string(v);
        if constexpr (std::is_same_v<T, double>) return float_str(v);
        if constexpr (std::is_same_v<T, bool>) return v ? "true" : "false";
        if constexpr (std::is_same_v<T, std::string>) return "\"" + v + "\"";
        if constexpr (std::is_same_v<T, DType>) return std::string(dtype_name(v));
        if constexpr (std::is_same_v<T, std::vector<int64_t>>) {
          std::string s = "[";
          for (size_t i = 0; i < v.size(); ++i) {
            if (i) s += ",";
            s += std::to_string(v[i]);
          }
          return s + "]";
        }
        if constexpr (std::is_same_v<T, std::vector<double>>) {
          std::string s = "[";
          for (size_t i = 0; i < v.size(); ++i) {
            if (i) s += ",";
            s += float_str(v[i]);
          }
          return s + "]";
        }
      },
      a);
}

}  // namespace graphc
