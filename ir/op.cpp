#include "ir/op.h"

namespace graphc {

namespace {
const std::vector<OpInfo>& table() {
  static const std::vector<OpInfo> ops = [] {
    std::vector<OpInfo> v;
#define A(n, t) AttrSpec{#n, AttrType::t}
#define OP(n, c, arity, doc, ...) v.push_back(OpInfo{OpKind::n, #n, OpClass::c, arity, doc, {__VA_ARGS__}});
#include "ir/ops.def"
#undef OP
#undef A
    return v;
  }();
  return ops;
}
}  // namespace

const OpInfo& op_info(OpKind k) { return table()[static_cast<size_t>(k)]; }
std::span<const OpInfo> all_ops() { return table(); }
std::string_view op_name(OpKind k) { return op_info(k).name; }

std::optional<OpKind> parse_op(std::string_view name) {
  for (const auto& op : table())
    if (op.name == name) return op.kind;
  return std::nullopt;
}

std::string_view op_class_name(OpClass c) {
  switch (c) {
    case OpClass::source: return "source";
    case OpClass::elementwise: return "elementwise";
    case OpClass::reduction: return "reduction";
    case OpClass::movement: return "movement";
    case OpClass::contraction: return "contraction";
    case OpClass::other: return "other";
  }
  return "?";
}

const AttrSpec* find_attr_spec(OpKind k, std::string_view attr) {
  for (const auto& a : op_info(k).attrs)
    if (a.name == attr) return &a;
  return nullptr;
}

}  // namespace graphc
