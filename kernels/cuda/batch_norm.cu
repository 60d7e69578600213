// Batch normalization kernels, forward and backward (see batch_norm.h).
//
// Work split: one block per channel (blockIdx.x = c), up to 256 threads walking the
// channel's m = N*S values with a stride of the block size (ChannelWalk, per_channel.cuh).
// A kernel first reduces what it needs over the channel (block_sum: warp shuffles, then one
// value per warp through shared memory), then makes a second pass over the same channel to write
// the output; no other block touches the channel, so neither atomics nor a second launch are
// needed. The price: only C blocks, which fills a large GPU for the wide layers (C >= ~100)
// and leaves SMs idle for narrow ones.
// Statistics are float sums of x - x0 and (x - x0)^2, x0 the channel's first value: shifting
// by a value from the data keeps E[d^2] - E[d]^2 from cancelling when the mean is large
// against the spread (the CPU kernel uses double sums for the same reason).
// Cost per element: training forward reads x twice and writes y once (12 bytes, ~6 flops);
// backward reads dy and x twice and writes dx once (20 bytes, ~8 flops). Memory bound.
#include "kernels/cuda/batch_norm.h"

#include "kernels/cuda/block_reduce.cuh"
#include "kernels/cuda/common.cuh"
#include "kernels/cuda/per_channel.cuh"

namespace leuko::LEUKO_CUDA_NS {

namespace {

// y = x * scale + shift over channel c: the normalization and affine folded into one FMA.
__device__ void scale_shift_channel(const float* x, int64_t N, int64_t C, int64_t S, int64_t c,
                                    float scale, float shift, float* y) {
  for (ChannelWalk w(N, C, S, c, threadIdx.x, blockDim.x); w.valid(); w.next()) {
    y[w.offset()] = x[w.offset()] * scale + shift;
  }
}

__global__ void batch_norm_batch_stats_kernel(const float* x, int64_t N, int64_t C, int64_t S,
                                              const float* weight, const float* bias, float eps,
                                              float* y, float* mean, float* variance,
                                              float* inv_std) {
  const int64_t c = blockIdx.x;
  const float m = static_cast<float>(N * S);
  const float x0 = x[c * S];  // element (n = 0, s = 0) of the channel
  float sum = 0.0f, sum_sq = 0.0f;
  for (ChannelWalk w(N, C, S, c, threadIdx.x, blockDim.x); w.valid(); w.next()) {
    const float d = x[w.offset()] - x0;
    sum += d;
    sum_sq += d * d;
  }
  sum = block_sum(sum);
  sum_sq = block_sum(sum_sq);
  const float mean_d = sum / m;
  const float var = fmaxf(sum_sq / m - mean_d * mean_d, 0.0f);
  const float mu = x0 + mean_d;
  const float istd = 1.0f / sqrtf(var + eps);
  if (threadIdx.x == 0) {
    mean[c] = mu;
    variance[c] = var;
    inv_std[c] = istd;
  }
  const float scale = istd * (weight ? weight[c] : 1.0f);
  const float shift = (bias ? bias[c] : 0.0f) - mu * scale;
  scale_shift_channel(x, N, C, S, c, scale, shift, y);
}

__global__ void batch_norm_fixed_stats_kernel(const float* x, int64_t N, int64_t C, int64_t S,
                                              const float* mean, const float* variance,
                                              const float* weight, const float* bias, float eps,
                                              float* y, float* inv_std) {
  const int64_t c = blockIdx.x;
  const float istd = 1.0f / sqrtf(variance[c] + eps);
  if (threadIdx.x == 0) inv_std[c] = istd;
  const float scale = istd * (weight ? weight[c] : 1.0f);
  const float shift = (bias ? bias[c] : 0.0f) - mean[c] * scale;
  scale_shift_channel(x, N, C, S, c, scale, shift, y);
}

// One thread per channel: C values, too few to be worth more than one small launch.
__global__ void batch_norm_update_running_kernel(const float* batch_mean,
                                                 const float* batch_variance, int64_t C,
                                                 float unbias, float momentum, float* running_mean,
                                                 float* running_var) {
  const int64_t c = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (c >= C) return;
  running_mean[c] = (1.0f - momentum) * running_mean[c] + momentum * batch_mean[c];
  running_var[c] = (1.0f - momentum) * running_var[c] + momentum * batch_variance[c] * unbias;
}

__global__ void batch_norm_backward_kernel(const float* grad_y, const float* x, int64_t N,
                                           int64_t C, int64_t S, const float* mean,
                                           const float* inv_std, const float* weight,
                                           bool batch_stats, float* grad_x, float* grad_weight,
                                           float* grad_bias) {
  const int64_t c = blockIdx.x;
  const float m = static_cast<float>(N * S);
  const float mu = mean[c], istd = inv_std[c];
  // Pass 1: sum(dy) and sum(dy * (x - mean)); the latter times inv_std is sum(dy * xhat).
  float sum_dy = 0.0f, sum_dy_centered = 0.0f;
  for (ChannelWalk w(N, C, S, c, threadIdx.x, blockDim.x); w.valid(); w.next()) {
    const float dy = grad_y[w.offset()];
    sum_dy += dy;
    sum_dy_centered += dy * (x[w.offset()] - mu);
  }
  sum_dy = block_sum(sum_dy);
  sum_dy_centered = block_sum(sum_dy_centered);
  if (threadIdx.x == 0) {
    if (grad_weight) grad_weight[c] = sum_dy_centered * istd;
    if (grad_bias) grad_bias[c] = sum_dy;
  }
  if (!grad_x) return;
  // Pass 2: grad_x = k * dy + slope * (x - mean) + offset, k = weight * inv_std; with batch
  // statistics slope = -k * inv_std^2 * sum(dy * (x - mean)) / m and offset = -k * sum(dy) / m
  // (the closed form, expanded), with fixed statistics both are 0.
  const float k = istd * (weight ? weight[c] : 1.0f);
  const float slope = batch_stats ? -k * istd * istd * sum_dy_centered / m : 0.0f;
  const float offset = batch_stats ? -k * sum_dy / m : 0.0f;
  for (ChannelWalk w(N, C, S, c, threadIdx.x, blockDim.x); w.valid(); w.next()) {
    grad_x[w.offset()] = k * grad_y[w.offset()] + slope * (x[w.offset()] - mu) + offset;
  }
}

}  // namespace

void batch_norm_forward_batch_stats(const float* x, int64_t N, int64_t C, int64_t S,
                                    const float* weight, const float* bias, float eps, float* y,
                                    float* mean, float* variance, float* inv_std) {
  if (C == 0) return;
  leuko_launch(batch_norm_batch_stats_kernel, dim3(static_cast<unsigned>(C)),
               dim3(per_channel_threads(N * S)), 0, current_stream(), x, N, C, S, weight, bias, eps,
               y, mean, variance, inv_std);
  check_launch("batch_norm_batch_stats_kernel");
}

void batch_norm_forward_fixed_stats(const float* x, int64_t N, int64_t C, int64_t S,
                                    const float* mean, const float* variance, const float* weight,
                                    const float* bias, float eps, float* y, float* inv_std) {
  if (C == 0) return;
  leuko_launch(batch_norm_fixed_stats_kernel, dim3(static_cast<unsigned>(C)),
               dim3(per_channel_threads(N * S)), 0, current_stream(), x, N, C, S, mean, variance,
               weight, bias, eps, y, inv_std);
  check_launch("batch_norm_fixed_stats_kernel");
}

void batch_norm_update_running(const float* batch_mean, const float* batch_variance, int64_t C,
                               int64_t m, float momentum, float* running_mean, float* running_var) {
  if (C == 0) return;
  const float unbias = static_cast<float>(m) / static_cast<float>(m - 1);
  const unsigned threads = 128;
  leuko_launch(batch_norm_update_running_kernel,
               dim3(static_cast<unsigned>((C + threads - 1) / threads)), dim3(threads), 0,
               current_stream(), batch_mean, batch_variance, C, unbias, momentum, running_mean,
               running_var);
  check_launch("batch_norm_update_running_kernel");
}

void batch_norm_backward(const float* grad_y, const float* x, int64_t N, int64_t C, int64_t S,
                         const float* mean, const float* inv_std, const float* weight,
                         bool batch_stats, float* grad_x, float* grad_weight, float* grad_bias) {
  if (C == 0) return;
  leuko_launch(batch_norm_backward_kernel, dim3(static_cast<unsigned>(C)),
               dim3(per_channel_threads(N * S)), 0, current_stream(), grad_y, x, N, C, S, mean,
               inv_std, weight, batch_stats, grad_x, grad_weight, grad_bias);
  check_launch("batch_norm_backward_kernel");
}

}  // namespace leuko::LEUKO_CUDA_NS
