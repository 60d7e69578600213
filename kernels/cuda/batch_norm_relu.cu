// Fused batch-norm normalize + affine + ReLU (+ residual add), forward and backward, given
// the batch's per-channel mean and inv_std (see batch_norm_relu.h).
//
// Why fused: in a conv-BN-ReLU(-add) block the normalized tensor and the pre-ReLU sum are
// only read by the next step; fused, the forward reads x (and the residual) and writes y
// once, and the backward takes its ReLU mask from y instead of a kept pre-activation.
//
// Work split:
//   forward    one thread per element, grid-stride loop (coalesced); the channel of element
//              i is (i / S) % C, and its scale and shift come from the [C] vectors, which
//              stay in cache. 8 bytes (12 with the residual) and ~4 flops per element.
//   backward   two passes. Pass 1: one block per channel (per_channel.cuh) reduces
//              sum(g) and sum(g * (x - mean)), g = dy * (y > 0), and writes grad_residual = g
//              on the way; those sums are grad_bias and grad_weight / inv_std. Pass 2: one
//              thread per element writes grad_x from them, with the whole grid busy (pass 1
//              has only C blocks). 28 bytes (32 with grad_residual) and ~10 flops per
//              element in all.
#include "kernels/cuda/batch_norm_relu.h"

#include "kernels/cuda/block_reduce.cuh"
#include "kernels/cuda/common.cuh"
#include "kernels/cuda/per_channel.cuh"
#include "kernels/relu_rule.h"

namespace leuko::LEUKO_CUDA_NS {

namespace {

constexpr unsigned kThreads = 256;

__global__ void bn_relu_forward_kernel(const float* x, int64_t N, int64_t C, int64_t S,
                                       const float* mean, const float* inv_std, const float* weight,
                                       const float* bias, const float* residual, float* y) {
  const int64_t total = N * C * S;
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < total;
       i += step) {
    const int64_t c = i / S % C;
    const float scale = inv_std[c] * (weight ? weight[c] : 1.0f);
    const float shift = (bias ? bias[c] : 0.0f) - mean[c] * scale;
    const float pre = x[i] * scale + shift + (residual ? residual[i] : 0.0f);
    y[i] = relu_of(pre);
  }
}

// Pass 1: per-channel sums of the gradient that reaches batch norm's output.
__global__ void bn_relu_backward_reduce_kernel(const float* grad_y, const float* x, const float* y,
                                               int64_t N, int64_t C, int64_t S, const float* mean,
                                               const float* inv_std, float* grad_weight,
                                               float* grad_bias, float* grad_residual) {
  const int64_t c = blockIdx.x;
  const float mu = mean[c];
  float sum_g = 0.0f, sum_g_centered = 0.0f;
  for (ChannelWalk w(N, C, S, c, threadIdx.x, blockDim.x); w.valid(); w.next()) {
    const int64_t o = w.offset();
    const float g = y[o] > 0.0f ? grad_y[o] : 0.0f;
    if (grad_residual) grad_residual[o] = g;
    sum_g += g;
    sum_g_centered += g * (x[o] - mu);
  }
  sum_g = block_sum(sum_g);
  sum_g_centered = block_sum(sum_g_centered);
  if (threadIdx.x == 0) {
    grad_weight[c] = sum_g_centered * inv_std[c];
    grad_bias[c] = sum_g;
  }
}

// Pass 2: grad_x = k * g + slope * (x - mean) + offset with k = weight * inv_std,
// slope = -k * inv_std * grad_weight / m, offset = -k * grad_bias / m (the closed form,
// expanded; inv_std * grad_weight = inv_std^2 * sum(g * (x - mean))).
__global__ void bn_relu_backward_input_kernel(const float* grad_y, const float* x, const float* y,
                                              int64_t N, int64_t C, int64_t S, const float* mean,
                                              const float* inv_std, const float* weight,
                                              const float* grad_weight, const float* grad_bias,
                                              float* grad_x) {
  const int64_t total = N * C * S;
  const float m = static_cast<float>(N * S);
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < total;
       i += step) {
    const int64_t c = i / S % C;
    const float istd = inv_std[c];
    const float k = istd * (weight ? weight[c] : 1.0f);
    const float slope = -k * istd * grad_weight[c] / m;
    const float offset = -k * grad_bias[c] / m;
    const float g = y[i] > 0.0f ? grad_y[i] : 0.0f;
    grad_x[i] = k * g + slope * (x[i] - mean[c]) + offset;
  }
}

}  // namespace

void bn_relu_forward(const float* x, int64_t N, int64_t C, int64_t S, const float* mean,
                     const float* inv_std, const float* weight, const float* bias,
                     const float* residual, float* y) {
  const int64_t total = N * C * S;
  if (total == 0) return;
  leuko_launch(bn_relu_forward_kernel, dim3(elementwise_blocks(total, kThreads)), dim3(kThreads), 0,
               current_stream(), x, N, C, S, mean, inv_std, weight, bias, residual, y);
  check_launch("bn_relu_forward_kernel");
}

void bn_relu_backward(const float* grad_y, const float* x, const float* y, int64_t N, int64_t C,
                      int64_t S, const float* mean, const float* inv_std, const float* weight,
                      float* grad_x, float* grad_weight, float* grad_bias, float* grad_residual) {
  if (C == 0) return;
  leuko_launch(bn_relu_backward_reduce_kernel, dim3(static_cast<unsigned>(C)),
               dim3(per_channel_threads(N * S)), 0, current_stream(), grad_y, x, y, N, C, S, mean,
               inv_std, grad_weight, grad_bias, grad_residual);
  check_launch("bn_relu_backward_reduce_kernel");
  const int64_t total = N * C * S;
  if (!grad_x || total == 0) return;
  leuko_launch(bn_relu_backward_input_kernel, dim3(elementwise_blocks(total, kThreads)),
               dim3(kThreads), 0, current_stream(), grad_y, x, y, N, C, S, mean, inv_std, weight,
               grad_weight, grad_bias, grad_x);
  check_launch("bn_relu_backward_input_kernel");
}

}  // namespace leuko::LEUKO_CUDA_NS
