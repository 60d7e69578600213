// Mean squared error, forward and backward.
//
// Forward, two passes (the classic grid-wide reduction without atomics):
//   1. up to 1024 blocks of 256 threads; each thread adds the squared differences of a
//      grid-stride slice of the elements (coalesced reads), the block adds its threads'
//      sums with warp shuffles (block_reduce.cuh) and writes one partial sum;
//   2. one block adds the partial sums the same way and writes the mean.
// The partial sums live in a scratch buffer from the caching allocator (no cudaMalloc).
// Sums are in float, in tree order (the CPU adds sequentially in double): they agree to
// float rounding. Backward: one thread per element, grid-stride.
// Cost: forward reads 8n bytes, 3n flops; backward reads 8n and writes 4n or 8n bytes.
#include <algorithm>

#include "kernels/cuda/block_reduce.cuh"
#include "kernels/cuda/common.cuh"
#include "kernels/cuda/device_scratch.cuh"
#include "kernels/cuda/mse.h"

namespace leuko::LEUKO_CUDA_NS {

namespace {

constexpr unsigned kThreads = 256;
constexpr unsigned kMaxPartials = 1024;  // pass 2 is one block of this many threads

__global__ void squared_error_partials(const float* prediction, const float* target, int64_t n,
                                       float* partials) {
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  float sum = 0.0f;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n; i += step) {
    const float d = prediction[i] - target[i];
    sum += d * d;
  }
  sum = block_sum(sum);  // every thread reaches this: the loop above has no early exit
  if (threadIdx.x == 0) partials[blockIdx.x] = sum;
}

__global__ void mean_of_partials(const float* partials, int count, int64_t n, float* loss) {
  const float value = threadIdx.x < static_cast<unsigned>(count) ? partials[threadIdx.x] : 0.0f;
  const float total = block_sum(value);
  if (threadIdx.x == 0) loss[0] = total / static_cast<float>(n);
}

__global__ void mse_backward_kernel(const float* prediction, const float* target, int64_t n,
                                    const float* grad_loss, float* grad_prediction,
                                    float* grad_target) {
  const float scale = 2.0f * grad_loss[0] / static_cast<float>(n);
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n; i += step) {
    const float g = scale * (prediction[i] - target[i]);
    if (grad_prediction) grad_prediction[i] = g;
    if (grad_target) grad_target[i] = -g;
  }
}

}  // namespace

void mse_forward(const float* prediction, const float* target, int64_t n, float* loss) {
  const unsigned blocks = std::min(elementwise_blocks(n, kThreads), kMaxPartials);
  const DeviceScratch scratch(blocks * sizeof(float));
  float* partials = scratch.as<float>();
  leuko_launch(squared_error_partials, dim3(blocks), dim3(kThreads), 0, current_stream(),
               prediction, target, n, partials);
  check_launch("squared_error_partials");
  leuko_launch(mean_of_partials, dim3(1), dim3(kMaxPartials), 0, current_stream(),
               static_cast<const float*>(partials), static_cast<int>(blocks), n, loss);
  check_launch("mean_of_partials");
}

void mse_backward(const float* prediction, const float* target, int64_t n, const float* grad_loss,
                  float* grad_prediction, float* grad_target) {
  if (n == 0) return;
  leuko_launch(mse_backward_kernel, dim3(elementwise_blocks(n, kThreads)), dim3(kThreads), 0,
               current_stream(), prediction, target, n, grad_loss, grad_prediction, grad_target);
  check_launch("mse_backward_kernel");
}

}  // namespace leuko::LEUKO_CUDA_NS
