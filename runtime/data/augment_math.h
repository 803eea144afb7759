// Where a pixel of an augmented image comes from, written once for the host
// (augment.cpp) and for the GPU, whose input kernel (runtime/cuda/
// device_kernels.cu) builds a batch from the resident data set with the
// same formula, so both give the same pixels. Valid CUDA C for NVRTC, which
// embeds this text in every module (see runtime/optim/update_math.h for the
// rules: no includes, an include guard).
#ifndef GRAPHC_RUNTIME_DATA_AUGMENT_MATH_H
#define GRAPHC_RUNTIME_DATA_AUGMENT_MATH_H

#if defined(__CUDACC__)
#define GRAPHC_AUGMENT_FN __device__ __forceinline__
#else
#define GRAPHC_AUGMENT_FN inline
#endif

// The source coordinate of coordinate i of a side of `size` pixels padded
// on both ends (i may be negative or past the end), or -1 for a zero pixel:
// zero padding, or numpy's "reflect" (the edge pixel not repeated), which
// needs the padding smaller than the side (check_augmentation).
GRAPHC_AUGMENT_FN long long graphc_augment_source(long long i, long long size, bool reflect) {
  if (i >= 0 && i < size) return i;
  if (!reflect) return -1;
  return i < 0 ? -i : 2 * (size - 1) - i;
}

#endif  // GRAPHC_RUNTIME_DATA_AUGMENT_MATH_H
