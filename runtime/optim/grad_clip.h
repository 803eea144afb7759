// Gradient-norm clipping (torch.nn.utils.clip_grad_norm_ with the 2-norm)
// over the whole flat gradient buffer, so the norm is the same as PyTorch's
// norm over all parameters together.
#pragma once

#include <span>

namespace graphc::runtime {

// The 2-norm of `grads`, accumulated in double in a fixed order (so a run
// is reproducible bit for bit). When it exceeds max_norm, scales the
// gradients by max_norm / (norm + 1e-6), as PyTorch does. Returns the norm
// before clipping. A non-finite norm is returned with the gradients left
// as they are, for the caller to report. max_norm must be > 0
// (graphc::Error otherwise).
double clip_grad_norm(std::span<float> grads, double max_norm);

// The norm alone, accumulated the same way.
double grad_norm(std::span<const float> grads);

}  // namespace graphc::runtime
