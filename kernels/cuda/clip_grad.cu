// Gradient clipping on the GPU.
//
// The global norm is a two-stage reduction over every gradient buffer at once, so the host
// waits for the device only once, for the final value:
//   stage 1, one launch per buffer: each block of 256 threads folds a grid-stride share of
//     the buffer in double (|x|^p summed, or |x| maxed), reduces it across the block (warp
//     shuffles, then one value per warp through shared memory) and writes one partial to its
//     own slot of a scratch array shared by all buffers;
//   stage 2, one block: folds all the partials the same way and writes the result, which is
//     copied to the host.
// No atomics: the order of every addition is fixed by the launch shape, so the norm is the
// same on every run. Cost: 4 bytes read per element, 1-3 flops (memory bound), plus one
// double per block of stage 1.
// Scaling and clamping are grid-stride elementwise loops: 8 bytes moved per element.
#include <cmath>
#include <vector>

#include "kernels/cuda/clip_grad.h"
#include "kernels/cuda/common.cuh"
#include "kernels/cuda/device_scratch.cuh"
#include "kernels/cuda/runtime.h"

namespace leuko::LEUKO_CUDA_NS {

namespace {

constexpr int kThreads = 256;
constexpr int kWarps = kThreads / 32;
constexpr int64_t kMaxPartialsPerBuffer = 1024;  // enough blocks to fill any current GPU

// What is folded: each element's contribution and how two partial results combine.
enum class Fold { kSumAbs, kSumSquares, kSumAbsPow, kMaxAbs };

template <Fold kFold>
__device__ double element_term(float x, double p) {
  const double magnitude = fabs(static_cast<double>(x));
  if (kFold == Fold::kSumSquares) return magnitude * magnitude;
  if (kFold == Fold::kSumAbsPow) return pow(magnitude, p);
  return magnitude;  // kSumAbs, kMaxAbs
}

// For the max, a NaN must win (fmax would skip it), so that a NaN gradient shows in the norm:
// a + b is NaN whenever either is.
template <Fold kFold>
__device__ double combine(double a, double b) {
  if (kFold != Fold::kMaxAbs) return a + b;
  return (isnan(a) || isnan(b)) ? a + b : fmax(a, b);
}

// The fold of `value` over the block, valid in thread 0. Every thread must call it.
template <Fold kFold>
__device__ double block_fold(double value) {
  __shared__ double warp_results[kWarps];
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  for (int offset = 16; offset > 0; offset /= 2) {
    value = combine<kFold>(value, __shfl_down_sync(0xffffffffu, value, offset));
  }
  if (lane == 0) warp_results[warp] = value;
  __syncthreads();
  if (warp == 0) {
    value = lane < kWarps ? warp_results[lane] : 0.0;  // 0 is neutral for sums and |x| maxima
    for (int offset = 16; offset > 0; offset /= 2) {
      value = combine<kFold>(value, __shfl_down_sync(0xffffffffu, value, offset));
    }
  }
  return value;
}

// Stage 1: partials[blockIdx.x] = the fold of this block's share of x.
template <Fold kFold>
__global__ void fold_partials_kernel(const float* x, int64_t n, double p, double* partials) {
  double value = 0.0;
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += stride) {
    value = combine<kFold>(value, element_term<kFold>(x[i], p));
  }
  value = block_fold<kFold>(value);
  if (threadIdx.x == 0) partials[blockIdx.x] = value;
}

// Stage 2 (one block): result[0] = the fold of all partials.
template <Fold kFold>
__global__ void fold_result_kernel(const double* partials, int64_t count, double* result) {
  double value = 0.0;
  for (int64_t i = threadIdx.x; i < count; i += blockDim.x) {
    value = combine<kFold>(value, partials[i]);
  }
  value = block_fold<kFold>(value);
  if (threadIdx.x == 0) result[0] = value;
}

int64_t partial_count(int64_t n) {
  const int64_t blocks = (n + kThreads - 1) / kThreads;
  return blocks < kMaxPartialsPerBuffer ? blocks : kMaxPartialsPerBuffer;
}

// The fold over all buffers, returned on the host.
template <Fold kFold>
double fold_buffers(const float* const* buffers, const int64_t* sizes, int64_t count, double p) {
  std::vector<int64_t> first_partial(count + 1, 0);
  for (int64_t k = 0; k < count; ++k)
    first_partial[k + 1] = first_partial[k] + partial_count(sizes[k]);
  const int64_t partials = first_partial[count];
  if (partials == 0) return 0.0;
  // The last slot holds the result. The scratch goes back to the caching allocator on return
  // (or on a launch error); copy_to_host has waited for the kernels by then.
  const DeviceScratch owner((partials + 1) * sizeof(double));
  double* scratch = owner.as<double>();
  for (int64_t k = 0; k < count; ++k) {
    if (sizes[k] == 0) continue;
    leuko_launch(fold_partials_kernel<kFold>, dim3(static_cast<unsigned>(partial_count(sizes[k]))),
                 dim3(kThreads), 0, current_stream(), buffers[k], sizes[k], p,
                 scratch + first_partial[k]);
    check_launch("fold_partials_kernel");
  }
  leuko_launch(fold_result_kernel<kFold>, dim3(1), dim3(kThreads), 0, current_stream(),
               static_cast<const double*>(scratch), partials, scratch + partials);
  check_launch("fold_result_kernel");
  double result = 0.0;
  copy_to_host(&result, scratch + partials, sizeof(double));
  return result;
}

__global__ void scale_kernel(float* x, int64_t n, float factor) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += stride) {
    x[i] *= factor;
  }
}

__global__ void clamp_kernel(float* x, int64_t n, float limit) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += stride) {
    const float v = x[i];
    x[i] = v < -limit ? -limit : (v > limit ? limit : v);  // comparisons with NaN are false
  }
}

}  // namespace

void clip_grad_sum_abs_pow(const float* const* buffers, const int64_t* sizes, int64_t count,
                           double p, double* total) {
  if (p == 2.0) {
    *total = fold_buffers<Fold::kSumSquares>(buffers, sizes, count, p);
  } else if (p == 1.0) {
    *total = fold_buffers<Fold::kSumAbs>(buffers, sizes, count, p);
  } else {
    *total = fold_buffers<Fold::kSumAbsPow>(buffers, sizes, count, p);
  }
}

void clip_grad_max_abs(const float* const* buffers, const int64_t* sizes, int64_t count,
                       float* largest) {
  *largest = static_cast<float>(fold_buffers<Fold::kMaxAbs>(buffers, sizes, count, 1.0));
}

void clip_grad_scale(float* x, int64_t n, float factor) {
  if (n == 0) return;
  leuko_launch(scale_kernel, dim3(elementwise_blocks(n, kThreads)), dim3(kThreads), 0,
               current_stream(), x, n, factor);
  check_launch("scale_kernel");
}

void clip_grad_clamp(float* x, int64_t n, float limit) {
  if (n == 0) return;
  leuko_launch(clamp_kernel, dim3(elementwise_blocks(n, kThreads)), dim3(kThreads), 0,
               current_stream(), x, n, limit);
  check_launch("clamp_kernel");
}

}  // namespace leuko::LEUKO_CUDA_NS
