// OpKind and the static description of every op, generated from ops.def.
#pragma once

#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "ir/attr.h"

namespace graphc {

enum class OpClass { source, elementwise, reduction, movement, contraction, other };

enum class OpKind {
#define OP(name, cls, arity, doc, ...) name,
#include "ir/ops.def"
#undef OP
};

struct AttrSpec {
  std::string_view name;
  AttrType type;
};

struct OpInfo {
  OpKind kind;
  std::string_view name;
  OpClass cls;
  int arity;  // -1: variadic, at least one operand
  std::string_view doc;
  std::vector<AttrSpec> attrs;
};

const OpInfo& op_info(OpKind k);
std::span<const OpInfo> all_ops();
std::optional<OpKind> parse_op(std::string_view name);
std::string_view op_name(OpKind k);
std::string_view op_class_name(OpClass c);
const AttrSpec* find_attr_spec(OpKind k, std::string_view attr);

}  // namespace graphc
