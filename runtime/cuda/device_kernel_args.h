// The arguments of the kernels every CUDA module carries beside the
// program's own (runtime/cuda/device_kernels.cu): the optimizer's update,
// the gradient norm for clipping, and a batch's inputs from a data set's
// pixels held on the device. Each kernel takes one of these structs by
// value, so the executor and the kernel agree on the layout by construction:
// graphc embeds this header's text in the module (after
// runtime/optim/update_math.h), and the executor includes it. Valid CUDA C
// for NVRTC (no includes there, an include guard: see update_math.h).
#ifndef GRAPHC_RUNTIME_CUDA_DEVICE_KERNEL_ARGS_H
#define GRAPHC_RUNTIME_CUDA_DEVICE_KERNEL_ARGS_H

// In a module the texts of these headers come first (there are no files to include).
#if !defined(GRAPHC_RUNTIME_OPTIM_UPDATE_MATH_H)
#include "runtime/optim/update_math.h"
#endif
#if !defined(GRAPHC_RUNTIME_DATA_AUGMENT_MATH_H)
#include "runtime/data/augment_math.h"
#endif

// graphc_update: one update of the first n parameters.
struct graphc_update_args {
  float* params;
  const float* grads;
  float* state0;  // the rule's state buffers (update_rules.h order), or null
  float* state1;
  const float* grad_scale;  // when not null, every gradient is multiplied by *grad_scale first (clipping)
  long long n;
  graphc_update_scalars s;
};

// The gradient norm's fixed grid: graphc_grad_sumsq runs exactly this many
// blocks of this many threads (element i goes to thread i mod their
// product), graphc_grad_norm one block, so the sum's order is fixed.
enum { graphc_norm_blocks = 256, graphc_norm_threads = 256 };

// graphc_grad_sumsq: partials[b] = the sum of squares (in double) of block
// b's elements; graphc_grad_norm: *norm = the 2-norm of all n, and *scale =
// max_norm / (norm + 1e-6) when that is below 1 and the norm is finite, else
// 1 (torch.nn.utils.clip_grad_norm_, as runtime/optim/grad_clip.h).
struct graphc_norm_args {
  const float* grads;
  long long n;
  double* partials;  // graphc_norm_blocks of them
  double* norm;
  float* scale;
  double max_norm;
};

// graphc_build_pixels: out[r][c][y][x] = tables[c][v], v the pixel of
// sample indices[r] at (c, y, x) after the crop and flip of draws[r]
// (runtime/data/augment.h; a zero pixel where the crop leaves the image),
// exactly what the host's batch assembler writes.
struct graphc_pixels_args {
  const unsigned char* pixels;  // the data set, [count][channels][height][width]
  const unsigned int* indices;  // [n]
  const int* draws;             // [n][3]: offset y, offset x, flip; null without augmentation
  const float* tables;          // [channels][256]
  float* out;                   // [n][channels][height][width]
  long long n, channels, height, width;
  long long padding;  // the crop's padding on every side
  int reflect;        // reflect padding, else zeros
};

// graphc_round_bf16: to[i] = from[i] rounded to bfloat16 (to nearest,
// ties to even; NaN stays a quiet NaN), for i < count: a GEMM operand for
// --precision bf16 (runtime/cuda/cublas_gemm.h).
struct graphc_bf16_args {
  const float* from;
  unsigned short* to;
  long long count;
};

#endif  // GRAPHC_RUNTIME_CUDA_DEVICE_KERNEL_ARGS_H
