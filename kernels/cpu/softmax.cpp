// softmax / log_softmax over the middle axis of a contiguous [outer, size, inner] array.
// Subtracting the maximum first makes every exp argument <= 0: no overflow for any logits.
//
// Two loop shapes, both with a contiguous innermost loop the compiler vectorizes:
//  - inner == 1 (the last dim): each of the `outer` rows is `size` contiguous floats;
//    rows are split over the cores.
//  - inner > 1 (an outer dim, e.g. dim 0 of [K, N]): the loops run over the axis in the
//    outer loop and over a chunk of up to kColumns contiguous columns in the inner loop,
//    keeping per-column max/sum in small arrays; (outer, chunk) pairs are split over cores.
// Cost per element: forward reads 4 bytes and writes 4 (x is read twice or three times, from
// cache for reasonable sizes), ~20 flops (one exp); backward reads 8, writes 4, ~5 flops
// (+ an exp for log_softmax).
#include "kernels/cpu/softmax.h"

#include <algorithm>
#include <cmath>

#include "kernels/cpu/fast_exp.h"

namespace leuko::cpu {

constexpr int64_t kParallelMin = 32768;  // elements; below this one thread is faster
constexpr int64_t kColumns = 256;        // columns per chunk in the inner > 1 layout

// ---- forward -------------------------------------------------------------------------------

template <bool kLog>
static void forward_row(const float* x, float* y, int64_t size) {
  // A plain comparison, not std::max: GCC vectorizes this reduction ~10x better.
  float max = -INFINITY;
#pragma omp simd reduction(max : max)
  for (int64_t d = 0; d < size; ++d) max = x[d] > max ? x[d] : max;
  float sum = 0.0f;
  if constexpr (kLog) {
#pragma omp simd reduction(+ : sum)
    for (int64_t d = 0; d < size; ++d) sum += fast_exp(x[d] - max);
    const float shift = max + std::log(sum);
#pragma omp simd
    for (int64_t d = 0; d < size; ++d) y[d] = x[d] - shift;
  } else {
#pragma omp simd reduction(+ : sum)
    for (int64_t d = 0; d < size; ++d) {
      y[d] = fast_exp(x[d] - max);
      sum += y[d];
    }
    const float scale = 1.0f / sum;
#pragma omp simd
    for (int64_t d = 0; d < size; ++d) y[d] *= scale;
  }
}

// Columns [0, width) of one [size, inner] slab; `x` and `y` point at its first column.
template <bool kLog>
static void forward_columns(const float* x, float* y, int64_t size, int64_t inner, int64_t width) {
  float max[kColumns], sum[kColumns];
  std::fill(max, max + width, -INFINITY);
  std::fill(sum, sum + width, 0.0f);
  for (int64_t d = 0; d < size; ++d) {
    const float* xd = x + d * inner;
#pragma omp simd
    for (int64_t j = 0; j < width; ++j) max[j] = xd[j] > max[j] ? xd[j] : max[j];
  }
  for (int64_t d = 0; d < size; ++d) {
    const float* xd = x + d * inner;
    float* yd = y + d * inner;
#pragma omp simd
    for (int64_t j = 0; j < width; ++j) {
      const float e = fast_exp(xd[j] - max[j]);
      if constexpr (!kLog) yd[j] = e;
      sum[j] += e;
    }
  }
  for (int64_t j = 0; j < width; ++j) {
    sum[j] = kLog ? max[j] + std::log(sum[j]) : 1.0f / sum[j];  // the shift, or the scale
  }
  for (int64_t d = 0; d < size; ++d) {
    const float* xd = x + d * inner;
    float* yd = y + d * inner;
#pragma omp simd
    for (int64_t j = 0; j < width; ++j) {
      if constexpr (kLog) {
        yd[j] = xd[j] - sum[j];
      } else {
        yd[j] *= sum[j];
      }
    }
  }
}

template <bool kLog>
static void forward(const float* x, float* y, int64_t outer, int64_t size, int64_t inner) {
  const bool parallel = outer * size * inner > kParallelMin;
  if (inner == 1) {
#pragma omp parallel for schedule(static) if (parallel)
    for (int64_t row = 0; row < outer; ++row) {
      forward_row<kLog>(x + row * size, y + row * size, size);
    }
    return;
  }
  const int64_t chunks = (inner + kColumns - 1) / kColumns;
#pragma omp parallel for schedule(static) if (parallel)
  for (int64_t task = 0; task < outer * chunks; ++task) {
    const int64_t o = task / chunks, first = (task % chunks) * kColumns;
    const int64_t offset = o * size * inner + first;
    forward_columns<kLog>(x + offset, y + offset, size, inner, std::min(kColumns, inner - first));
  }
}

void softmax_forward(const float* x, float* y, int64_t outer, int64_t size, int64_t inner) {
  forward<false>(x, y, outer, size, inner);
}

void log_softmax_forward(const float* x, float* y, int64_t outer, int64_t size, int64_t inner) {
  forward<true>(x, y, outer, size, inner);
}

// ---- backward ------------------------------------------------------------------------------
// softmax:     grad_x = y * (grad_y - sum_d grad_y * y)
// log_softmax: grad_x = grad_y - softmax * sum_d grad_y,   softmax = exp(y)

template <bool kLog>
static void backward_row(const float* y, const float* g, float* grad_x, int64_t size) {
  float total = 0.0f;
#pragma omp simd reduction(+ : total)
  for (int64_t d = 0; d < size; ++d) total += kLog ? g[d] : g[d] * y[d];
#pragma omp simd
  for (int64_t d = 0; d < size; ++d) {
    grad_x[d] = kLog ? g[d] - fast_exp(y[d]) * total : y[d] * (g[d] - total);
  }
}

template <bool kLog>
static void backward_columns(const float* y, const float* g, float* grad_x, int64_t size,
                             int64_t inner, int64_t width) {
  float total[kColumns];
  std::fill(total, total + width, 0.0f);
  for (int64_t d = 0; d < size; ++d) {
    const float* yd = y + d * inner;
    const float* gd = g + d * inner;
#pragma omp simd
    for (int64_t j = 0; j < width; ++j) total[j] += kLog ? gd[j] : gd[j] * yd[j];
  }
  for (int64_t d = 0; d < size; ++d) {
    const float* yd = y + d * inner;
    const float* gd = g + d * inner;
    float* out = grad_x + d * inner;
#pragma omp simd
    for (int64_t j = 0; j < width; ++j) {
      out[j] = kLog ? gd[j] - fast_exp(yd[j]) * total[j] : yd[j] * (gd[j] - total[j]);
    }
  }
}

template <bool kLog>
static void backward(const float* y, const float* g, float* grad_x, int64_t outer, int64_t size,
                     int64_t inner) {
  const bool parallel = outer * size * inner > kParallelMin;
  if (inner == 1) {
#pragma omp parallel for schedule(static) if (parallel)
    for (int64_t row = 0; row < outer; ++row) {
      backward_row<kLog>(y + row * size, g + row * size, grad_x + row * size, size);
    }
    return;
  }
  const int64_t chunks = (inner + kColumns - 1) / kColumns;
#pragma omp parallel for schedule(static) if (parallel)
  for (int64_t task = 0; task < outer * chunks; ++task) {
    const int64_t o = task / chunks, first = (task % chunks) * kColumns;
    const int64_t offset = o * size * inner + first;
    backward_columns<kLog>(y + offset, g + offset, grad_x + offset, size, inner,
                           std::min(kColumns, inner - first));
  }
}

void softmax_backward(const float* y, const float* grad_y, float* grad_x, int64_t outer,
                      int64_t size, int64_t inner) {
  backward<false>(y, grad_y, grad_x, outer, size, inner);
}

void log_softmax_backward(const float* y, const float* grad_y, float* grad_x, int64_t outer,
                          int64_t size, int64_t inner) {
  backward<true>(y, grad_y, grad_x, outer, size, inner);
}

}  // namespace leuko::cpu
