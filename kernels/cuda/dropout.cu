// Inverted dropout: element i is kept iff the top 24 bits of a hash of (seed, i) are at
// least ceil(p * 2^24), and kept values are scaled by 1 / (1 - p). The hash (SplitMix64's
// finalizer) and the threshold are bit-for-bit those of kernels/cpu/dropout.cpp, so a
// seed gives the same mask on the CPU and the GPU, and backward rebuilds it instead of
// storing it.
//
// Work split: one thread per element, grid-stride loop, 256 threads per block; each
// element's mask is independent. Cost per element: 4 bytes read, 4 written, ~10 integer
// ops (three 64-bit multiplies): memory-bound on a GPU.
#include "kernels/cuda/common.cuh"
#include "kernels/cuda/dropout.h"

namespace leuko::LEUKO_CUDA_NS {

namespace {

constexpr unsigned kThreads = 256;

__device__ __forceinline__ uint64_t mix(uint64_t seed, uint64_t i) {
  uint64_t z = seed + (i + 1) * 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// ceil(p * 2^24), computed on the host in double exactly as the CPU kernel does.
uint32_t keep_threshold(float p) {
  const double scaled = static_cast<double>(p) * 16777216.0;
  const uint32_t t = static_cast<uint32_t>(scaled);
  return t + (static_cast<double>(t) < scaled ? 1 : 0);
}

__global__ void dropout_kernel(const float* in, int64_t n, uint64_t seed, uint32_t threshold,
                               float scale, float* out) {
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n; i += step) {
    const uint32_t bits = static_cast<uint32_t>(mix(seed, static_cast<uint64_t>(i)) >> 40);
    out[i] = bits >= threshold ? in[i] * scale : 0.0f;
  }
}

void apply_mask(const float* in, int64_t n, float p, uint64_t seed, float* out) {
  if (n == 0) return;
  leuko_launch(dropout_kernel, dim3(elementwise_blocks(n, kThreads)), dim3(kThreads), 0,
               current_stream(), in, n, seed, keep_threshold(p), 1.0f / (1.0f - p), out);
  check_launch("dropout_kernel");
}

}  // namespace

void dropout_forward(const float* x, int64_t n, float p, uint64_t seed, float* y) {
  apply_mask(x, n, p, seed, y);
}

void dropout_backward(const float* grad_y, int64_t n, float p, uint64_t seed, float* grad_x) {
  apply_mask(grad_y, n, p, seed, grad_x);  // the mask and scale are the forward's
}

}  // namespace leuko::LEUKO_CUDA_NS
