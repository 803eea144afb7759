// What the user chose for the optimizer (--optimizer, --lr, --momentum,
// --weight-decay, Adam's betas), as plain data with one place that checks it,
// so a bad flag is reported by name before the first step instead of
// surfacing as NaN parameters later.
#pragma once

#include <string>
#include <string_view>

namespace graphc::runtime {

// The update rules, named as on the command line. Semantics follow
// torch.optim: sgd, momentum and nesterov are torch.optim.SGD (dampening 0;
// sgd with momentum > 0 is momentum, as in PyTorch; momentum and nesterov
// insist on momentum > 0), adam is torch.optim.Adam, adamw is
// torch.optim.AdamW.
enum class OptimizerKind { sgd, momentum, nesterov, adam, adamw };

std::string_view optimizer_kind_name(OptimizerKind kind);
// "sgd|momentum|nesterov|adam|adamw"; anything else is a graphc::Error that
// lists the accepted names.
OptimizerKind parse_optimizer_kind(std::string_view name);

struct OptimizerConfig {
  OptimizerKind kind = OptimizerKind::sgd;
  double lr = 0.01;         // base learning rate (schedules scale it)
  double momentum = 0;      // sgd, momentum, nesterov (adam uses beta1)
  double weight_decay = 0;  // L2 added to the gradient; decoupled for adamw
  double beta1 = 0.9;       // adam, adamw
  double beta2 = 0.999;     // adam, adamw
  double eps = 1e-8;        // adam, adamw: added outside the square root
};

// Throws graphc::Error naming the field that is out of range: negative or
// non-finite lr or weight decay, momentum outside [0, 1) (and 0 for the
// momentum kinds, which would silently be plain sgd), betas outside [0, 1),
// eps not positive.
void validate(const OptimizerConfig& config);

}  // namespace graphc::runtime
