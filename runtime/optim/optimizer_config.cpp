#include "runtime/optim/optimizer_config.h"

#include <array>
#include <cmath>

#include "ir/error.h"

namespace graphc::runtime {

namespace {

constexpr std::array kKinds{OptimizerKind::sgd, OptimizerKind::momentum, OptimizerKind::nesterov, OptimizerKind::adam,
                            OptimizerKind::adamw};

void require(bool ok, std::string_view field, double value, std::string_view rule) {
  if (!ok) throw Error(cat("optimizer ", field, " must be ", rule, ", got ", value));
}

}  // namespace

std::string_view optimizer_kind_name(OptimizerKind kind) {
  switch (kind) {
    case OptimizerKind::sgd:
      return "sgd";
    case OptimizerKind::momentum:
      return "momentum";
    case OptimizerKind::nesterov:
      return "nesterov";
    case OptimizerKind::adam:
      return "adam";
    case OptimizerKind::adamw:
      return "adamw";
  }
  GRAPHC_ASSERT(false, "optimizer kind ", static_cast<int>(kind), " out of range");
  return {};
}

OptimizerKind parse_optimizer_kind(std::string_view name) {
  for (OptimizerKind kind : kKinds)
    if (optimizer_kind_name(kind) == name) return kind;
  throw Error(cat("unknown optimizer '", name, "' (expected sgd, momentum, nesterov, adam or adamw)"));
}

void validate(const OptimizerConfig& c) {
  require(std::isfinite(c.lr) && c.lr >= 0, "lr", c.lr, "a finite number >= 0");
  require(std::isfinite(c.weight_decay) && c.weight_decay >= 0, "weight_decay", c.weight_decay, "a finite number >= 0");
  require(c.momentum >= 0 && c.momentum < 1, "momentum", c.momentum, "in [0, 1)");
  if (c.kind == OptimizerKind::momentum || c.kind == OptimizerKind::nesterov)
    require(c.momentum > 0, "momentum", c.momentum,
            cat("> 0 for '", optimizer_kind_name(c.kind), "' (use 'sgd' for none)"));
  require(c.beta1 >= 0 && c.beta1 < 1, "beta1", c.beta1, "in [0, 1)");
  require(c.beta2 >= 0 && c.beta2 < 1, "beta2", c.beta2, "in [0, 1)");
  require(std::isfinite(c.eps) && c.eps > 0, "eps", c.eps, "a finite number > 0");
}

}  // namespace graphc::runtime
