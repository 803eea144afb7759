// Kernels every CUDA module carries beside the program's own: the optimizer
// update and the gradient norm, so that parameters, gradients and optimizer
// state stay on the GPU between steps (runtime/cuda/device_optimizer.h runs
// them), and a batch's inputs from a data set held there
// (runtime/cuda/device_pixels.h). graphc appends this text to each module
// after the headers it needs (codegen/cuda/device_kernels_source.h), so it
// is compiled by the same NVRTC call with the same no-fast-math options.

// One update over a grid-stride range: element i depends on element i alone,
// so any grid gives the same bits, and the host's (update_math.h).
template <int kRule, int kDecay>
__device__ __forceinline__ void graphc_update_range(const graphc_update_args& a) {
  const graphc_update_scalars s = a.s;
  const float scale = a.grad_scale != 0 ? *a.grad_scale : 1.0f;
  const long long stride = (long long)gridDim.x * blockDim.x;
  for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < a.n; i += stride) {
    float g = a.grads[i];
    if (a.grad_scale != 0) g = GRAPHC_MUL(g, scale);
    float p = a.params[i];
    if constexpr (kRule == graphc_rule_sgd) {
      p = graphc_sgd_element<kDecay != 0>(p, g, s);
    } else if constexpr (kRule == graphc_rule_adam) {
      p = graphc_adam_element<kDecay>(p, g, a.state0[i], a.state1[i], s);
    } else {
      p = graphc_momentum_element<kDecay != 0, kRule == graphc_rule_nesterov>(p, g, a.state0[i], s);
    }
    a.params[i] = p;
  }
}

extern "C" __global__ void __launch_bounds__(256) graphc_update(graphc_update_args a) {
  switch (a.s.rule * 4 + a.s.decay) {
    case graphc_rule_sgd * 4 + 0: graphc_update_range<graphc_rule_sgd, 0>(a); break;
    case graphc_rule_sgd * 4 + 1: graphc_update_range<graphc_rule_sgd, 1>(a); break;
    case graphc_rule_momentum * 4 + 0: graphc_update_range<graphc_rule_momentum, 0>(a); break;
    case graphc_rule_momentum * 4 + 1: graphc_update_range<graphc_rule_momentum, 1>(a); break;
    case graphc_rule_nesterov * 4 + 0: graphc_update_range<graphc_rule_nesterov, 0>(a); break;
    case graphc_rule_nesterov * 4 + 1: graphc_update_range<graphc_rule_nesterov, 1>(a); break;
    case graphc_rule_adam * 4 + 0: graphc_update_range<graphc_rule_adam, 0>(a); break;
    case graphc_rule_adam * 4 + 1: graphc_update_range<graphc_rule_adam, 1>(a); break;
    case graphc_rule_adam * 4 + 2: graphc_update_range<graphc_rule_adam, 2>(a); break;
    default: break;  // the executor only passes the scalars update_scalars() made
  }
}

// The block's sum of `partial` (graphc_norm_threads doubles) in a fixed
// tree; every thread reaches every barrier.
__device__ __forceinline__ double graphc_block_sum(double* partial) {
  for (int width = graphc_norm_threads / 2; width > 0; width /= 2) {
    __syncthreads();
    if ((int)threadIdx.x < width) partial[threadIdx.x] += partial[threadIdx.x + width];
  }
  __syncthreads();
  return partial[0];
}

extern "C" __global__ void __launch_bounds__(256) graphc_grad_sumsq(graphc_norm_args a) {
  __shared__ double partial[graphc_norm_threads];
  double sum = 0;
  const long long stride = (long long)graphc_norm_blocks * graphc_norm_threads;
  for (long long i = (long long)blockIdx.x * graphc_norm_threads + threadIdx.x; i < a.n; i += stride) {
    const double x = a.grads[i];
    sum += x * x;
  }
  partial[threadIdx.x] = sum;
  const double total = graphc_block_sum(partial);
  if (threadIdx.x == 0) a.partials[blockIdx.x] = total;
}

extern "C" __global__ void __launch_bounds__(256) graphc_grad_norm(graphc_norm_args a) {
  __shared__ double partial[graphc_norm_threads];
  double sum = 0;
  for (int b = threadIdx.x; b < graphc_norm_blocks; b += graphc_norm_threads) sum += a.partials[b];
  partial[threadIdx.x] = sum;
  const double total = graphc_block_sum(partial);
  if (threadIdx.x != 0) return;
  const double norm = sqrt(total);
  *a.norm = norm;
  const double coef = a.max_norm / (norm + 1e-6);
  const bool finite = norm - norm == 0.0;
  *a.scale = finite && coef < 1.0 ? (float)coef : 1.0f;
}

extern "C" __global__ void __launch_bounds__(256) graphc_build_pixels(graphc_pixels_args a) {
  const long long plane = a.height * a.width, sample = a.channels * plane, total = a.n * sample;
  const long long stride = (long long)gridDim.x * blockDim.x;
  for (long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x; e < total; e += stride) {
    const long long row = e / sample, c = (e - row * sample) / plane, at = e - row * sample - c * plane;
    long long y = at / a.width, x = at - y * a.width;
    if (a.draws != 0) {
      const int* d = a.draws + 3 * row;
      const long long cropped_x = d[2] != 0 ? a.width - 1 - x : x;
      y = graphc_augment_source(y + d[0] - a.padding, a.height, a.reflect != 0);
      x = graphc_augment_source(cropped_x + d[1] - a.padding, a.width, a.reflect != 0);
    }
    const unsigned char v =
        y < 0 || x < 0 ? 0 : a.pixels[(long long)a.indices[row] * sample + c * plane + y * a.width + x];
    a.out[e] = a.tables[c * 256 + v];
  }
}

// Bit arithmetic rather than cuda_bf16.h, which NVRTC would need the
// toolkit's headers for: adding 0x7fff plus the kept part's lowest bit
// rounds to nearest with ties to even; a NaN is made quiet instead (the
// rounding could carry it into infinity).
__device__ __forceinline__ unsigned short graphc_bf16_bits(float x) {
  const unsigned int u = __float_as_uint(x);
  if ((u & 0x7fffffffu) > 0x7f800000u) return (unsigned short)((u >> 16) | 0x0040u);
  return (unsigned short)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

extern "C" __global__ void __launch_bounds__(256) graphc_round_bf16(graphc_bf16_args a) {
  const long long stride = (long long)gridDim.x * blockDim.x;
  for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < a.count; i += stride)
    a.to[i] = graphc_bf16_bits(a.from[i]);
}
