// softmax / log_softmax along the middle axis of a contiguous [outer, size, inner] array,
// forward and backward:
//   softmax:      y = exp(x - max) / sum(exp(x - max));     grad_x = y (grad_y - sum(grad_y y))
//   log_softmax:  y = x - max - log(sum(exp(x - max)));     grad_x = grad_y - exp(y) sum(grad_y)
//
// Work split, by where the axis lies in memory:
// - inner == 1 (the last dimension, e.g. class scores [N, K]): the axis is a contiguous
//   row, and one warp owns one row (8 rows per 256-thread block). Lanes stride through the
//   row, so each read of 32 lanes is coalesced; the row's max and sum are combined with
//   warp shuffles. Three passes over the row: max, sum, write.
// - inner > 1 (e.g. channels of [N, C, H, W]): consecutive threads take consecutive
//   positions of `inner`, each walking its own column along the axis with stride `inner`:
//   neighbouring threads read neighbouring addresses, so again coalesced, and no
//   cross-thread reduction is needed.
// Cost per element: forward 8 bytes read (x twice, cached) + 4 written, one exp (two for
// softmax); backward 8-16 bytes read + 4 written. Memory-bound.
#include <math.h>

#include "kernels/cuda/block_reduce.cuh"
#include "kernels/cuda/common.cuh"
#include "kernels/cuda/softmax.h"

namespace leuko::LEUKO_CUDA_NS {

namespace {

constexpr unsigned kThreads = 256;
constexpr unsigned kRowsPerBlock = kThreads / 32;

// ---- forward ----------------------------------------------------------------------------

template <bool Log>
__global__ void softmax_rows_forward(const float* x, float* y, int64_t rows, int64_t size) {
  const unsigned lane = threadIdx.x % 32;
  const int64_t row = static_cast<int64_t>(blockIdx.x) * kRowsPerBlock + threadIdx.x / 32;
  // A whole warp shares a row, so the guard is uniform across the warp: every lane reaches
  // the shuffles, or none does.
  if (row < rows) {
    const float* in = x + row * size;
    float* out = y + row * size;
    float max = -INFINITY;
    for (int64_t c = lane; c < size; c += 32) max = fmaxf(max, in[c]);
    max = warp_max(max);
    float sum = 0.0f;
    for (int64_t c = lane; c < size; c += 32) sum += expf(in[c] - max);
    sum = warp_sum(sum);
    if (Log) {
      const float shift = max + logf(sum);
      for (int64_t c = lane; c < size; c += 32) out[c] = in[c] - shift;
    } else {
      const float inverse = 1.0f / sum;
      for (int64_t c = lane; c < size; c += 32) out[c] = expf(in[c] - max) * inverse;
    }
  }
}

template <bool Log>
__global__ void softmax_columns_forward(const float* x, float* y, int64_t outer, int64_t size,
                                        int64_t inner) {
  const int64_t columns = outer * inner;
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t column = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
       column < columns; column += step) {
    const int64_t base = (column / inner) * size * inner + column % inner;
    const float* in = x + base;
    float* out = y + base;
    float max = -INFINITY;
    for (int64_t c = 0; c < size; ++c) max = fmaxf(max, in[c * inner]);
    float sum = 0.0f;
    for (int64_t c = 0; c < size; ++c) sum += expf(in[c * inner] - max);
    if (Log) {
      const float shift = max + logf(sum);
      for (int64_t c = 0; c < size; ++c) out[c * inner] = in[c * inner] - shift;
    } else {
      const float inverse = 1.0f / sum;
      for (int64_t c = 0; c < size; ++c) out[c * inner] = expf(in[c * inner] - max) * inverse;
    }
  }
}

// ---- backward ---------------------------------------------------------------------------
// Both need one sum along the axis: sum(grad_y * y) for softmax, sum(grad_y) for log_softmax.

template <bool Log>
__device__ __forceinline__ float backward_term(float y, float g) {
  return Log ? g : g * y;
}

template <bool Log>
__device__ __forceinline__ float backward_value(float y, float g, float sum) {
  return Log ? g - expf(y) * sum : y * (g - sum);
}

template <bool Log>
__global__ void softmax_rows_backward(const float* y, const float* grad_y, float* grad_x,
                                      int64_t rows, int64_t size) {
  const unsigned lane = threadIdx.x % 32;
  const int64_t row = static_cast<int64_t>(blockIdx.x) * kRowsPerBlock + threadIdx.x / 32;
  if (row < rows) {  // uniform across the warp, as in the forward
    const float* out = y + row * size;
    const float* g = grad_y + row * size;
    float* gx = grad_x + row * size;
    float sum = 0.0f;
    for (int64_t c = lane; c < size; c += 32) sum += backward_term<Log>(out[c], g[c]);
    sum = warp_sum(sum);
    for (int64_t c = lane; c < size; c += 32) gx[c] = backward_value<Log>(out[c], g[c], sum);
  }
}

template <bool Log>
__global__ void softmax_columns_backward(const float* y, const float* grad_y, float* grad_x,
                                         int64_t outer, int64_t size, int64_t inner) {
  const int64_t columns = outer * inner;
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t column = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
       column < columns; column += step) {
    const int64_t base = (column / inner) * size * inner + column % inner;
    float sum = 0.0f;
    for (int64_t c = 0; c < size; ++c)
      sum += backward_term<Log>(y[base + c * inner], grad_y[base + c * inner]);
    for (int64_t c = 0; c < size; ++c) {
      const int64_t i = base + c * inner;
      grad_x[i] = backward_value<Log>(y[i], grad_y[i], sum);
    }
  }
}

// ---- launchers --------------------------------------------------------------------------

unsigned row_blocks(int64_t rows) {
  return static_cast<unsigned>((rows + kRowsPerBlock - 1) / kRowsPerBlock);
}

template <bool Log>
void launch_forward(const float* x, float* y, int64_t outer, int64_t size, int64_t inner) {
  if (outer * size * inner == 0) return;
  if (inner == 1) {
    leuko_launch(softmax_rows_forward<Log>, dim3(row_blocks(outer)), dim3(kThreads), 0,
                 current_stream(), x, y, outer, size);
    check_launch("softmax_rows_forward");
  } else {
    leuko_launch(softmax_columns_forward<Log>, dim3(elementwise_blocks(outer * inner, kThreads)),
                 dim3(kThreads), 0, current_stream(), x, y, outer, size, inner);
    check_launch("softmax_columns_forward");
  }
}

template <bool Log>
void launch_backward(const float* y, const float* grad_y, float* grad_x, int64_t outer,
                     int64_t size, int64_t inner) {
  if (outer * size * inner == 0) return;
  if (inner == 1) {
    leuko_launch(softmax_rows_backward<Log>, dim3(row_blocks(outer)), dim3(kThreads), 0,
                 current_stream(), y, grad_y, grad_x, outer, size);
    check_launch("softmax_rows_backward");
  } else {
    leuko_launch(softmax_columns_backward<Log>, dim3(elementwise_blocks(outer * inner, kThreads)),
                 dim3(kThreads), 0, current_stream(), y, grad_y, grad_x, outer, size, inner);
    check_launch("softmax_columns_backward");
  }
}

}  // namespace

void softmax_forward(const float* x, float* y, int64_t outer, int64_t size, int64_t inner) {
  launch_forward<false>(x, y, outer, size, inner);
}

void softmax_backward(const float* y, const float* grad_y, float* grad_x, int64_t outer,
                      int64_t size, int64_t inner) {
  launch_backward<false>(y, grad_y, grad_x, outer, size, inner);
}

void log_softmax_forward(const float* x, float* y, int64_t outer, int64_t size, int64_t inner) {
  launch_forward<true>(x, y, outer, size, inner);
}

void log_softmax_backward(const float* y, const float* grad_y, float* grad_x, int64_t outer,
                          int64_t size, int64_t inner) {
  launch_backward<true>(y, grad_y, grad_x, outer, size, inner);
}

}  // namespace leuko::LEUKO_CUDA_NS
