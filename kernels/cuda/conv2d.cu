// The project's implicit-GEMM convolution. Each of the three convolution products is a
// GEMM whose one operand is the im2col matrix of an image; instead of writing that matrix
// out (kernel_h x kernel_w times the image), the GEMM's loader computes each element from
// its (row, column) index when it stages a shared-memory slice (tiled_gemm.cuh: 64x64 tiles
// per 16x16-thread block, K in slices of 16, 4x4 register blocks per thread). With
// P = out_h * out_w positions and T = kernel_h * kernel_w taps:
//
//   forward          y[o, (n,p)]     = sum_(c,t)  W[o, (c,t)] * im2col(x)[(c,t), (n,p)]
//                    M = O, N = batch * P, K = C * T; bias (+ ReLU) in the epilogue
//   input gradient   dx[c, (n,h,w)]  = sum_(o,t)  W[o, c, t] * dy[n, o, tap t's output at (h,w)]
//                    M = C, N = batch * H * W, K = O * T; an output position exists only where
//                    the stride divides the offset, the other terms load as zeros
//   weight gradient  dW[o, (c,t)]    = sum_(n,p)  dy[n, o, p] * im2col(x)[(c,t), (n,p)]
//                    M = O, N = C * T, K = batch * P, split in chunks over blockIdx.z
//                    (split-K): K is long and M x N can be a single tile (a 3-channel stem:
//                    32 x 27), which would leave all but one multiprocessor idle. Each chunk
//                    writes its partial sums to a scratch slab and a second kernel adds the
//                    slabs in a fixed order (reproducible; no atomics).
//
// Each costs 2 * batch * O * C * T * P flops (the input gradient at stride s also multiplies
// the zeros of the s x s positions no output reaches). Index arithmetic is 32-bit (far
// cheaper than 64-bit division on a GPU); the launchers check the sizes fit.
//
// Batch norm after the convolution (conv -> BN -> ReLU blocks):
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
#include <algorithm>
#include <stdexcept>
#include <string>

#include "kernels/cuda/block_reduce.cuh"
#include "kernels/cuda/common.cuh"
#include "kernels/cuda/conv2d.h"
#include "kernels/cuda/device_scratch.cuh"
#include "kernels/cuda/per_channel.cuh"
#include "kernels/cuda/tiled_gemm.cuh"

namespace leuko::LEUKO_CUDA_NS {

namespace {

// The geometry in 32-bit integers, for the kernels.
using ConvIndex = BasicConvGeometry<int>;

ConvIndex checked_index(const ConvGeometry& p, const char* op) {
  const int64_t largest[] = {p.batch * p.channels * p.height * p.width,
                             p.batch * p.out_channels * p.out_h * p.out_w,
                             p.out_channels * p.channels * p.kernel_h * p.kernel_w};
  for (int64_t count : largest) {
    if (count > INT32_MAX)
      throw std::runtime_error(std::string(op) + ": tensor above 2^31 elements");
  }
  auto i = [](int64_t v) { return static_cast<int>(v); };
  return {i(p.batch),    i(p.channels),   i(p.height),     i(p.width),    i(p.out_channels),
          i(p.kernel_h), i(p.kernel_w),   i(p.stride_h),   i(p.stride_w), i(p.pad_h),
          i(p.pad_w),    i(p.dilation_h), i(p.dilation_w), i(p.out_h),    i(p.out_w)};
}

// The im2col element for channel c, tap t at output position p of image n: the input pixel
// that tap sees there, 0 in the padding.
__device__ float im2col_element(const ConvIndex& g, const float* x, int n, int c, int t, int p) {
  const int i = t / g.kernel_w, j = t % g.kernel_w;
  const int oh = p / g.out_w, ow = p % g.out_w;
  const int ih = oh * g.stride_h - g.pad_h + i * g.dilation_h;
  const int iw = ow * g.stride_w - g.pad_w + j * g.dilation_w;
  if (ih < 0 || ih >= g.height || iw < 0 || iw >= g.width) return 0.0f;
  return x[((n * g.channels + c) * g.height + ih) * g.width + iw];
}

struct ForwardProblem {
  int rows, cols, depth;
  ConvIndex g;
  const float* x;
  const float* weight;
  const float* bias;  // may be null
  float* y;
  bool apply_relu;

  __device__ float a(int, int o, int k) const { return weight[o * depth + k]; }
  __device__ float b(int, int k, int col) const {
    const int positions = g.positions();
    return im2col_element(g, x, col / positions, k / g.taps(), k % g.taps(), col % positions);
  }
  // The value y gets at output channel o from the product's sum, and where it goes.
  __device__ float output(int o, float sum) const {
    float value = bias != nullptr ? sum + bias[o] : sum;
    if (apply_relu && value < 0.0f) value = 0.0f;  // NaN stays NaN, as in relu()
    return value;
  }
  __device__ void write(int o, int col, float value) const {
    const int positions = g.positions();
    const int n = col / positions, p = col % positions;
    y[(n * g.out_channels + o) * positions + p] = value;
  }
  __device__ void store(int, int o, int col, float sum) const { write(o, col, output(o, sum)); }
};

// The forward product W [O, C*kh*kw] x im2col(x) [C*kh*kw, N*out_h*out_w].
ForwardProblem forward_problem(const ConvIndex& g, const float* x, const float* weight,
                               const float* bias, float* y, bool apply_relu) {
  return {g.out_channels, g.batch * g.out_h * g.out_w, g.channels * g.kernel_h * g.kernel_w,
          g, x, weight, bias, y, apply_relu};
}

struct InputGradientProblem {
  int rows, cols, depth;
  ConvIndex g;
  const float* grad_y;
  const float* weight;
  const float* bias;  // may be null
  float* grad_x;

  __device__ float a(int, int c, int k) const {
    const int o = k / g.taps(), t = k % g.taps();
    return weight[(o * g.channels + c) * g.taps() + t];
  }
  // dy at the output position whose tap t reads pixel (h, w), 0 where there is none.
  __device__ float b(int, int k, int col) const {
    const int pixels = g.height * g.width;
    const int n = col / pixels, h = col % pixels / g.width, w = col % g.width;
    const int o = k / g.taps(), t = k % g.taps();
    const int i = t / g.kernel_w, j = t % g.kernel_w;
    const int th = h + g.pad_h - i * g.dilation_h, tw = w + g.pad_w - j * g.dilation_w;
    if (th < 0 || tw < 0 || th % g.stride_h != 0 || tw % g.stride_w != 0) return 0.0f;
    const int oh = th / g.stride_h, ow = tw / g.stride_w;
    if (oh >= g.out_h || ow >= g.out_w) return 0.0f;
    return grad_y[((n * g.out_channels + o) * g.out_h + oh) * g.out_w + ow];
  }
  __device__ void store(int, int c, int col, float sum) const {
    const int pixels = g.height * g.width;
    const int n = col / pixels, pixel = col % pixels;
    grad_x[(n * g.channels + c) * pixels + pixel] = bias != nullptr ? sum + bias[c] : sum;
  }
};

// Chunk z of K covers k in [z * depth, (z + 1) * depth) of the full K = batch * P.
struct WeightGradientProblem {
  int rows, cols, depth, full_depth;
  ConvIndex g;
  const float* grad_y;
  const float* x;
  float* partial;  // [splits, O, C * T]; the gradient itself when K is not split

  __device__ float a(int z, int o, int k) const {
    const int positions = g.positions(), full_k = z * depth + k;
    if (full_k >= full_depth) return 0.0f;  // the last chunk's tail
    return grad_y[(full_k / positions * g.out_channels + o) * positions + full_k % positions];
  }
  __device__ float b(int z, int k, int col) const {
    const int positions = g.positions(), full_k = z * depth + k;
    if (full_k >= full_depth) return 0.0f;
    return im2col_element(g, x, full_k / positions, col / g.taps(), col % g.taps(),
                          full_k % positions);
  }
  __device__ void store(int z, int o, int col, float sum) const {
    partial[(z * rows + o) * cols + col] = sum;
  }
};

constexpr int kTargetBlocks = 256;   // enough blocks to fill a large GPU
constexpr int kMinSplitDepth = 512;  // below this, partial-sum traffic outweighs the gain

// out[e] = sum over z < splits of partial[z][e], in order of z; one thread per element.
__global__ void sum_splits_kernel(const float* partial, float* out, int splits, int count) {
  for (int e = blockIdx.x * blockDim.x + threadIdx.x; e < count; e += gridDim.x * blockDim.x) {
    float sum = 0.0f;
    for (int z = 0; z < splits; ++z) sum += partial[z * count + e];
    out[e] = sum;
  }
}

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

void conv2d_forward(const float* x, const float* weight, const float* bias, float* y,
                    const ConvGeometry& geometry, bool apply_relu) {
  const ConvIndex g = checked_index(geometry, "conv2d_forward");
  launch_tiled_gemm(forward_problem(g, x, weight, bias, y, apply_relu), 1, "conv2d_forward");
}

void conv2d_backward_input(const float* grad_y, const float* weight, const float* bias,
                           float* grad_x, const ConvGeometry& geometry) {
  const ConvIndex g = checked_index(geometry, "conv2d_backward_input");
  const InputGradientProblem p{g.channels,
                               g.batch * g.height * g.width,
                               g.out_channels * g.kernel_h * g.kernel_w,
                               g,
                               grad_y,
                               weight,
                               bias,
                               grad_x};
  launch_tiled_gemm(p, 1, "conv2d_backward_input");
}

void conv2d_backward_weight(const float* grad_y, const float* x, float* grad_weight,
                            const ConvGeometry& geometry) {
  const ConvIndex g = checked_index(geometry, "conv2d_backward_weight");
  const int rows = g.out_channels, cols = g.channels * g.kernel_h * g.kernel_w;
  const int count = rows * cols, full_depth = g.batch * g.out_h * g.out_w;
  if (count == 0) return;
  // As many chunks as fill the GPU, each at least kMinSplitDepth long, with a scratch slab
  // that 32-bit indices can address.
  const int tiles = ((rows + kGemmTile - 1) / kGemmTile) * ((cols + kGemmTile - 1) / kGemmTile);
  int splits = std::min(
      {(kTargetBlocks + tiles - 1) / tiles, full_depth / kMinSplitDepth, INT32_MAX / count});
  splits = std::max(splits, 1);
  const int depth = (full_depth + splits - 1) / splits;
  splits = depth > 0 ? (full_depth + depth - 1) / depth : 1;  // no empty chunk at the end
  if (splits == 1) {
    const WeightGradientProblem p{rows, cols, full_depth, full_depth, g, grad_y, x, grad_weight};
    launch_tiled_gemm(p, 1, "conv2d_backward_weight");
    return;
  }
  const DeviceScratch partial(std::size_t(splits) * count * sizeof(float));
  const WeightGradientProblem p{rows, cols, depth, full_depth, g, grad_y, x, partial.as<float>()};
  launch_tiled_gemm(p, splits, "conv2d_backward_weight");
  const unsigned threads = 256;
  leuko_launch(sum_splits_kernel, dim3(elementwise_blocks(count, threads)), dim3(threads), 0,
               current_stream(), partial.as<const float>(), grad_weight, splits, count);
  check_launch("sum_splits_kernel");
}

void conv2d_bn_relu_inference(const float* x, const float* weight, const float* bias,
                              const float* bn_weight, const float* bn_bias,
                              const float* running_mean, const float* running_var, float eps,
                              float* y, const ConvGeometry& geometry) {
  const ConvIndex g = checked_index(geometry, "conv2d_bn_relu_inference");
  const int per_channel = g.channels * g.kernel_h * g.kernel_w;
  const int count = g.out_channels * per_channel;
  // One scratch block: the folded weights, then the folded bias.
  const DeviceScratch scratch((count + g.out_channels) * sizeof(float));
  float* folded = scratch.as<float>();
  fold_batch_norm(weight, bias, bn_weight, bn_bias, running_mean, running_var, eps, folded,
                  folded + count, geometry);
  conv2d_forward(x, folded, folded + count, y, geometry, true);
}

void fold_batch_norm(const float* weight, const float* bias, const float* bn_weight,
                     const float* bn_bias, const float* running_mean, const float* running_var,
                     float eps, float* folded_weight, float* folded_bias,
                     const ConvGeometry& geometry) {
  const ConvIndex g = checked_index(geometry, "fold_batch_norm");
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
  const ConvIndex g = checked_index(geometry, "fold_batch_norm_backward");
  const int per_channel = g.channels * g.kernel_h * g.kernel_w;
  if (g.out_channels == 0) return;
  leuko_launch(fold_batch_norm_backward_kernel, dim3(g.out_channels),
               dim3(per_channel_threads(per_channel)), 0, current_stream(), grad_folded_weight,
               grad_folded_bias, weight, bias, bn_weight, running_mean, running_var, eps,
               per_channel, grad_weight, grad_bias, grad_bn_weight, grad_bn_bias);
  check_launch("fold_batch_norm_backward_kernel");
}

void conv2d_forward_batch_stats(const float* x, const float* weight, const float* bias,
                                float eps, float* y, float* mean, float* variance,
                                float* inv_std, const ConvGeometry& geometry) {
  const ConvIndex g = checked_index(geometry, "conv2d_forward_batch_stats");
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
  leuko_launch(finish_batch_stats_kernel, dim3(elementwise_blocks(p.rows, threads)),
               dim3(threads), 0, current_stream(), static_cast<const double*>(sums), p.rows,
               static_cast<double>(p.cols), eps, mean, variance, inv_std);
  check_launch("finish_batch_stats_kernel");
}

}  // namespace leuko::LEUKO_CUDA_NS
