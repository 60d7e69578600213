// conv -> batch norm -> ReLU blocks on the project's implicit-GEMM convolution
// (implicit_gemm_conv.cuh; conv2d.cu's top comment has the product's layout and cost):
//   inference  the normalization is an affine map per output channel, folded into a scaled
//              copy of the weights and a shifted bias (one thread per weight element), so
//              the convolution's own epilogue finishes the block with bias + ReLU. Its
//              backward maps the folded gradients back, one block per output channel.
//   training   the batch statistics are gathered while y is written: each thread adds the
//              values and squares of its 4 columns of a row in double, the 16 threads that
//              share the row (half a warp) combine theirs with shuffles, and one thread per
//              row and block adds the two sums to the channel's accumulators with
//              atomicAdd, 2 double atomics per channel per 64 columns. Double sums make
//              E[y^2] - E[y]^2 as exact as the CPU's (float32 squares would lose the
//              variance of a channel whose mean is large against its spread); the cost is
//              ~3 double operations per output element beside 2 * C * T float ones.
//              A last kernel turns the sums into mean, variance and inv_std.
#include "kernels/cuda/conv_batch_norm_relu.h"

#include "kernels/cuda/block_reduce.cuh"
#include "kernels/cuda/common.cuh"
#include "kernels/cuda/device_scratch.cuh"
#include "kernels/cuda/implicit_gemm_conv.cuh"
#include "kernels/cuda/per_channel.cuh"

namespace leuko::LEUKO_CUDA_NS {

namespace {

// The per-channel factor the fold multiplies by, bn_weight / sqrt(var + eps); one function
// for the fold and its backward, so both use the same rounding.
__device__ float fold_scale(const float* bn_weight, const float* var, float eps, int o) {
  return (bn_weight != nullptr ? bn_weight[o] : 1.0f) / sqrtf(var[o] + eps);
}

// w' = weight * scale and b' = (bias - mean) * scale + bn_bias per output channel; one
// thread per weight element, grid stride.
__global__ void fold_batch_norm_kernel(const float* weight, const float* bias,
                                       const float* bn_weight, const float* bn_bias,
                                       const float* mean, const float* var, float eps,
                                       int out_channels, int per_channel, float* folded_weight,
                                       float* folded_bias) {
  const int count = out_channels * per_channel;
  for (int e = blockIdx.x * blockDim.x + threadIdx.x; e < count; e += gridDim.x * blockDim.x) {
    const int o = e / per_channel;
    const float scale = fold_scale(bn_weight, var, eps, o);
    folded_weight[e] = weight[e] * scale;
    if (e % per_channel == 0) {
      const float shift = bias != nullptr ? bias[o] : 0.0f;
      folded_bias[o] = (shift - mean[o]) * scale + (bn_bias != nullptr ? bn_bias[o] : 0.0f);
    }
  }
}

// The fold's backward (conv2d.h has the formulas); one block per output channel, whose
// threads stride over its per_channel weights and reduce the dot product with block_sum.
__global__ void fold_batch_norm_backward_kernel(const float* grad_folded_weight,
                                                const float* grad_folded_bias, const float* weight,
                                                const float* bias, const float* bn_weight,
                                                const float* mean, const float* var, float eps,
                                                int per_channel, float* grad_weight,
                                                float* grad_bias, float* grad_bn_weight,
                                                float* grad_bn_bias) {
  const int o = blockIdx.x;
  const float scale = fold_scale(bn_weight, var, eps, o);
  float dot = 0.0f;  // d loss / d scale, the weights' share
  for (int k = threadIdx.x; k < per_channel; k += blockDim.x) {
    const int e = o * per_channel + k;
    if (grad_weight != nullptr) grad_weight[e] = grad_folded_weight[e] * scale;
    dot += grad_folded_weight[e] * weight[e];
  }
  dot = block_sum(dot);
  if (threadIdx.x != 0) return;
  const float grad_shift = grad_folded_bias[o];
  if (grad_bias != nullptr) grad_bias[o] = grad_shift * scale;
  if (grad_bn_bias != nullptr) grad_bn_bias[o] = grad_shift;
  if (grad_bn_weight != nullptr) {
    const float shift = bias != nullptr ? bias[o] : 0.0f;
    grad_bn_weight[o] = (dot + grad_shift * (shift - mean[o])) / sqrtf(var[o] + eps);
  }
}

// The forward convolution (no ReLU) whose epilogue also adds, per output channel o, the
// values it writes to sums[o] and their squares to sums[out_channels + o] (see the top).
__global__ void conv2d_forward_sums_kernel(ForwardProblem problem, double* sums) {
  float sum[kGemmPerThread][kGemmPerThread] = {};
  tiled_gemm_accumulate(problem, sum);
  const int tx = threadIdx.x, ty = threadIdx.y;
  const int row0 = blockIdx.y * kGemmTile, col0 = blockIdx.x * kGemmTile;
  for (int i = 0; i < kGemmPerThread; ++i) {
    const int o = row0 + ty + kGemmThreads1D * i;
    double row_sum = 0.0, row_squares = 0.0;
    for (int j = 0; j < kGemmPerThread; ++j) {
      const int col = col0 + tx + kGemmThreads1D * j;
      if (o < problem.rows && col < problem.cols) {
        const float value = problem.output(o, sum[i][j]);
        problem.write(o, col, value);
        row_sum += value;
        row_squares += static_cast<double>(value) * value;  // exact: 48 bits fit in 53
      }
    }
    // The 16 threads with this threadIdx.y hold the rest of the row's 64 columns; they are
    // one half of a warp (lanes run along x), and lane offsets 8, 4, 2, 1 stay inside it.
    // Every lane takes part, in range or not: the shuffles name the whole warp.
    for (int offset = kGemmThreads1D / 2; offset > 0; offset /= 2) {
      row_sum += __shfl_xor_sync(kFullWarp, row_sum, offset);
      row_squares += __shfl_xor_sync(kFullWarp, row_squares, offset);
    }
    if (tx == 0 && o < problem.rows) {
      atomicAdd(&sums[o], row_sum);
      atomicAdd(&sums[problem.rows + o], row_squares);
    }
  }
}

// mean = sum / m, biased variance = sum_sq / m - mean^2 (at least 0), inv_std =
// 1 / sqrt(variance + eps), per channel, as the CPU's batch_norm computes them from its
// double sums; one thread per channel.
__global__ void finish_batch_stats_kernel(const double* sums, int channels, double m, float eps,
                                          float* mean, float* variance, float* inv_std) {
  for (int c = blockIdx.x * blockDim.x + threadIdx.x; c < channels; c += gridDim.x * blockDim.x) {
    const double mu = sums[c] / m;
    const double var = fmax(sums[channels + c] / m - mu * mu, 0.0);
    mean[c] = static_cast<float>(mu);
    variance[c] = static_cast<float>(var);
    inv_std[c] = static_cast<float>(1.0 / sqrt(var + eps));
  }
}

}  // namespace

void conv2d_relu_forward(const float* x, const float* weight, const float* bias, float* y,
                         const ConvGeometry& geometry) {
  const ConvGeometry32 g = checked_index(geometry, "conv2d_relu_forward");
  launch_tiled_gemm(forward_problem(g, x, weight, bias, y, true), 1, "conv2d_relu_forward");
}

void conv2d_bn_relu_inference(const float* x, const float* weight, const float* bias,
                              const float* bn_weight, const float* bn_bias,
                              const float* running_mean, const float* running_var, float eps,
                              float* y, const ConvGeometry& geometry) {
  const ConvGeometry32 g = checked_index(geometry, "conv2d_bn_relu_inference");
  const int per_channel = g.channels * g.kernel_h * g.kernel_w;
  const int count = g.out_channels * per_channel;
  // One scratch block: the folded weights, then the folded bias.
  const DeviceScratch scratch((count + g.out_channels) * sizeof(float));
  float* folded = scratch.as<float>();
  fold_batch_norm(weight, bias, bn_weight, bn_bias, running_mean, running_var, eps, folded,
                  folded + count, geometry);
  conv2d_relu_forward(x, folded, folded + count, y, geometry);
}

void fold_batch_norm(const float* weight, const float* bias, const float* bn_weight,
                     const float* bn_bias, const float* running_mean, const float* running_var,
                     float eps, float* folded_weight, float* folded_bias,
                     const ConvGeometry& geometry) {
  const ConvGeometry32 g = checked_index(geometry, "fold_batch_norm");
  const int per_channel = g.channels * g.kernel_h * g.kernel_w;
  const int count = g.out_channels * per_channel;
  if (count == 0) return;
  const unsigned threads = 256;
  leuko_launch(fold_batch_norm_kernel, dim3(elementwise_blocks(count, threads)), dim3(threads), 0,
               current_stream(), weight, bias, bn_weight, bn_bias, running_mean, running_var, eps,
               g.out_channels, per_channel, folded_weight, folded_bias);
  check_launch("fold_batch_norm_kernel");
}

void fold_batch_norm_backward(const float* grad_folded_weight, const float* grad_folded_bias,
                              const float* weight, const float* bias, const float* bn_weight,
                              const float* running_mean, const float* running_var, float eps,
                              float* grad_weight, float* grad_bias, float* grad_bn_weight,
                              float* grad_bn_bias, const ConvGeometry& geometry) {
  const ConvGeometry32 g = checked_index(geometry, "fold_batch_norm_backward");
  const int per_channel = g.channels * g.kernel_h * g.kernel_w;
  if (g.out_channels == 0) return;
  leuko_launch(fold_batch_norm_backward_kernel, dim3(g.out_channels),
               dim3(per_channel_threads(per_channel)), 0, current_stream(), grad_folded_weight,
               grad_folded_bias, weight, bias, bn_weight, running_mean, running_var, eps,
               per_channel, grad_weight, grad_bias, grad_bn_weight, grad_bn_bias);
  check_launch("fold_batch_norm_backward_kernel");
}

void conv2d_forward_batch_stats(const float* x, const float* weight, const float* bias, float eps,
                                float* y, float* mean, float* variance, float* inv_std,
                                const ConvGeometry& geometry) {
  const ConvGeometry32 g = checked_index(geometry, "conv2d_forward_batch_stats");
  const ForwardProblem p = forward_problem(g, x, weight, bias, y, false);
  if (p.rows <= 0 || p.cols <= 0) return;
  // The accumulators: sums of the values [O], then of their squares [O].
  const std::size_t sums_bytes = 2 * std::size_t(p.rows) * sizeof(double);
  const DeviceScratch scratch(sums_bytes);
  double* sums = scratch.as<double>();
  check(cudaMemsetAsync(sums, 0, sums_bytes, current_stream()), "conv2d_forward_batch_stats");
  const dim3 grid((p.cols + kGemmTile - 1) / kGemmTile, (p.rows + kGemmTile - 1) / kGemmTile);
  leuko_launch(conv2d_forward_sums_kernel, grid, dim3(kGemmThreads1D, kGemmThreads1D), 0,
               current_stream(), p, sums);
  check_launch("conv2d_forward_sums_kernel");
  const unsigned threads = 256;
  leuko_launch(finish_batch_stats_kernel, dim3(elementwise_blocks(p.rows, threads)), dim3(threads),
               0, current_stream(), static_cast<const double*>(sums), p.rows,
               static_cast<double>(p.cols), eps, mean, variance, inv_std);
  check_launch("finish_batch_stats_kernel");
}

}  // namespace leuko::LEUKO_CUDA_NS
