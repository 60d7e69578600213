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
#include <algorithm>

#include "kernels/cuda/common.cuh"
#include "kernels/cuda/conv2d.h"
#include "kernels/cuda/device_scratch.cuh"
#include "kernels/cuda/implicit_gemm_conv.cuh"

namespace leuko::LEUKO_CUDA_NS {

namespace {

struct InputGradientProblem {
  int rows, cols, depth;
  ConvGeometry32 g;
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
  ConvGeometry32 g;
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

}  // namespace

void conv2d_forward(const float* x, const float* weight, const float* bias, float* y,
                    const ConvGeometry& geometry) {
  const ConvGeometry32 g = checked_index(geometry, "conv2d_forward");
  launch_tiled_gemm(forward_problem(g, x, weight, bias, y, false), 1, "conv2d_forward");
}

void conv2d_backward_input(const float* grad_y, const float* weight, const float* bias,
                           float* grad_x, const ConvGeometry& geometry) {
  const ConvGeometry32 g = checked_index(geometry, "conv2d_backward_input");
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
  const ConvGeometry32 g = checked_index(geometry, "conv2d_backward_weight");
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

}  // namespace leuko::LEUKO_CUDA_NS
