// Losses with PyTorch's default reduction (mean), and the standard outputs of
// a classifier. Each loss checks its operands first, so a mismatch names the
// loss rather than an op inside it. Formulas take one statement per pair of
// op-building operands: C++ leaves the order of `a + b`'s operands unspecified,
// and the node order (golden IR) must not depend on the compiler.
#include "frontend/layer_errors.h"
#include "frontend/nn.h"

namespace graphc::nn {

using detail::build_layer;

namespace {

Error loss_error(const std::string& loss, const std::string& problem) { return Error(loss + ": " + problem); }

// logits/log-probabilities [N,C] against integer class labels [N].
void check_class_operands(const std::string& loss, Tensor scores, Tensor labels) {
  if (!is_float(scores.dtype()) || scores.rank() != 2)
    throw loss_error(loss, "scores " + scores.type().str() + " must be floating-point [N,C]");
  if (!is_integer(labels.dtype()) || labels.rank() != 1)
    throw loss_error(loss, "labels " + labels.type().str() + " must be integer class indices [N]");
  if (scores.dim(0) != labels.dim(0))
    throw loss_error(loss, "scores " + scores.type().str() + " and labels " + labels.type().str() +
                               " disagree on the batch size");
}

// Elementwise losses compare two tensors of one shape; PyTorch broadcasts here
// with a warning, which almost always hides a bug, so we refuse.
void check_same_shape(const std::string& loss, Tensor a, Tensor b) {
  if (!is_float(a.dtype()) || a.type() != b.type())
    throw loss_error(loss, "input " + a.type().str() + " and target " + b.type().str() +
                               " must be floating-point tensors of the same type and shape");
}

}  // namespace

Tensor cross_entropy(Tensor logits, Tensor labels) {
  check_class_operands("cross_entropy", logits, labels);
  return build_layer(logits, "cross_entropy", [&] { return mean(softmax_cross_entropy(logits, labels)); });
}

Tensor nll_loss(Tensor log_probs, Tensor labels) {
  check_class_operands("nll_loss", log_probs, labels);
  return build_layer(log_probs, "nll_loss", [&] {
    Tensor hot = one_hot(labels, log_probs.dim(1));  // f32 [N,C]
    if (hot.dtype() != log_probs.dtype()) hot = cast(hot, log_probs.dtype());
    return mean(-sum(log_probs * hot, {1}));  // log p[label] per sample
  });
}

Tensor mse_loss(Tensor pred, Tensor target) {
  check_same_shape("mse_loss", pred, target);
  return build_layer(pred, "mse_loss", [&] {
    Tensor diff = pred - target;
    return mean(diff * diff);
  });
}

Tensor binary_cross_entropy(Tensor probs, Tensor target) {
  check_same_shape("binary_cross_entropy", probs, target);
  return build_layer(probs, "binary_cross_entropy", [&] {
    // PyTorch clamps each log at -100 so that p = 0 or 1 gives a finite loss.
    Builder& b = probs.builder();
    Tensor floor = b.constant(-100.0, probs.dtype());
    Tensor log_p = maximum(log(probs), floor);
    Tensor log_not_p = maximum(log(1.0 - probs), floor);
    Tensor positive = target * log_p;
    Tensor negative = (1.0 - target) * log_not_p;
    return mean(-(positive + negative));
  });
}

Tensor binary_cross_entropy_with_logits(Tensor logits, Tensor target) {
  check_same_shape("binary_cross_entropy_with_logits", logits, target);
  return build_layer(logits, "binary_cross_entropy_with_logits", [&] {
    // max(x,0) - x*t + log(1 + e^-|x|): equal to -(t log s(x) + (1-t) log(1-s(x)))
    // without overflowing e^x for large |x|.
    Tensor positive_part = relu(logits);
    Tensor linear = positive_part - logits * target;
    Tensor softplus = log(1.0 + exp(-abs(logits)));
    return mean(linear + softplus);
  });
}

void classifier_outputs(Builder& b, Tensor logits, Tensor labels) {
  Tensor loss = cross_entropy(logits, labels);
  Tensor predicted = argmax(logits, 1);  // i32 [N]
  if (predicted.dtype() != labels.dtype()) predicted = cast(predicted, labels.dtype());
  Tensor correct = sum(cast(eq(predicted, labels), DType::f32));
  b.output("loss", loss, OutputRole::loss);
  b.output("logits", logits, OutputRole::prediction);
  b.output("correct", correct, OutputRole::correct);
}

}  // namespace graphc::nn
