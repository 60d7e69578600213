// Max, average and global average pooling over [H, W] planes, forward and backward.
//
// Work split: OpenMP over the N*C planes (planes are independent, and the backward of a
// plane only writes into that plane, so no atomics are needed). Windows are rectangles, so
// max and average pooling are done separably, one output row at a time: first down the
// window's rows for every input column (a contiguous loop that vectorizes), then across the
// window's columns of that one row of partial results.
// Cost per output row: kernel_h * W compare-selects (or adds) in the vertical pass, plus
// out_w * kernel_w in the horizontal one; global average reads each input once. Every
// input is read ~kernel_h / stride_h times, from cache: memory bound for 2x2/s2 and 3x3/s2.
#include "kernels/cpu/pool.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace leuko::cpu {

static constexpr int64_t kParallelThreshold = 32768;

// One window's extent along one axis: [begin, end) clipped to the input, and the length
// of the unclipped window cut at the padded border (PyTorch's count for the divisor).
struct Span {
  int64_t begin, end, padded_length;
};

static Span span_at(int64_t o, int64_t stride, int64_t pad, int64_t kernel, int64_t in) {
  const int64_t start = o * stride - pad;
  const int64_t stop = std::min(start + kernel, in + pad);
  return {std::max<int64_t>(start, 0), std::min(stop, in), stop - start};
}

static int64_t divisor(const Span& rows, const Span& cols, bool count_include_pad) {
  return count_include_pad ? rows.padded_length * cols.padded_length
                           : (rows.end - rows.begin) * (cols.end - cols.begin);
}

// The 2x2, stride 2, unpadded max pool every network here uses: each window's four values
// are compared in row-major order in one branch-free loop over the output row (which GCC
// vectorizes), instead of the general path's two passes. Same winners as the general path.
static bool is_plain_2x2(const Pool2dShape& s) {
  return s.kernel_h == 2 && s.kernel_w == 2 && s.stride_h == 2 && s.stride_w == 2 && s.pad_h == 0 &&
         s.pad_w == 0 && 2 * s.out_h <= s.in_h && 2 * s.out_w <= s.in_w;
}

static void max_pool2x2_forward(const float* x, const Pool2dShape& s, float* y, int32_t* indices) {
  const int64_t in_plane = s.in_h * s.in_w, out_plane = s.out_h * s.out_w;
#pragma omp parallel for schedule(static) if (s.planes * in_plane > kParallelThreshold)
  for (int64_t p = 0; p < s.planes; ++p) {
    for (int64_t oh = 0; oh < s.out_h; ++oh) {
      const float* top = x + p * in_plane + 2 * oh * s.in_w;
      const float* bottom = top + s.in_w;
      float* yr = y + p * out_plane + oh * s.out_w;
      int32_t* ir = indices + p * out_plane + oh * s.out_w;
      // Sizes in locals: read through `s` inside the loop, GCC would not vectorize it.
      const int64_t row_start = 2 * oh * s.in_w, in_w = s.in_w, out_w = s.out_w;
      for (int64_t ow = 0; ow < out_w; ++ow) {
        // Row-major order; strictly greater keeps the first maximum on ties, and a NaN
        // (the only value unequal to itself) always wins. `step` is the winner's offset
        // from the window's top-left corner.
        const float a = top[2 * ow], b = top[2 * ow + 1], c = bottom[2 * ow],
                    d = bottom[2 * ow + 1];
        float best = a;
        int64_t step = 0;
        const bool take_b = b > best || b != b;
        best = take_b ? b : best;
        step = take_b ? 1 : step;
        const bool take_c = c > best || c != c;
        best = take_c ? c : best;
        step = take_c ? in_w : step;
        const bool take_d = d > best || d != d;
        best = take_d ? d : best;
        step = take_d ? in_w + 1 : step;
        yr[ow] = best;
        ir[ow] = static_cast<int32_t>(row_start + 2 * ow + step);
      }
    }
  }
}

void max_pool2d_forward(const float* x, const Pool2dShape& s, float* y, int32_t* indices) {
  if (is_plain_2x2(s)) return max_pool2x2_forward(x, s, y, indices);
  const int64_t in_plane = s.in_h * s.in_w, out_plane = s.out_h * s.out_w;
#pragma omp parallel if (s.planes * in_plane > kParallelThreshold)
  {
    // Per column of the current window rows: the maximum and the row it came from.
    std::vector<float> column_max(s.in_w);
    std::vector<int32_t> column_row(s.in_w);
#pragma omp for schedule(static)
    for (int64_t p = 0; p < s.planes; ++p) {
      const float* xp = x + p * in_plane;
      for (int64_t oh = 0; oh < s.out_h; ++oh) {
        const Span rows = span_at(oh, s.stride_h, s.pad_h, s.kernel_h, s.in_h);
        std::copy(xp + rows.begin * s.in_w, xp + (rows.begin + 1) * s.in_w, column_max.begin());
        std::fill(column_row.begin(), column_row.end(), static_cast<int32_t>(rows.begin));
        for (int64_t h = rows.begin + 1; h < rows.end; ++h) {
          const float* xr = xp + h * s.in_w;
          for (int64_t w = 0; w < s.in_w; ++w) {
            // Strictly greater keeps the first row on ties; a NaN always wins (PyTorch's rule).
            const bool take = xr[w] > column_max[w] || std::isnan(xr[w]);
            column_max[w] = take ? xr[w] : column_max[w];
            column_row[w] = take ? static_cast<int32_t>(h) : column_row[w];
          }
        }
        float* yr = y + p * out_plane + oh * s.out_w;
        int32_t* ir = indices + p * out_plane + oh * s.out_w;
        for (int64_t ow = 0; ow < s.out_w; ++ow) {
          const Span cols = span_at(ow, s.stride_w, s.pad_w, s.kernel_w, s.in_w);
          float best = column_max[cols.begin];
          int64_t best_index = column_row[cols.begin] * s.in_w + cols.begin;
          for (int64_t w = cols.begin + 1; w < cols.end; ++w) {
            const float v = column_max[w];
            const int64_t index = column_row[w] * s.in_w + w;
            // On a tie the smaller flat index wins: the first maximum in row-major order,
            // the element PyTorch picks.
            if (v > best || (v == best && index < best_index) || std::isnan(v)) {
              best = v;
              best_index = index;
            }
          }
          yr[ow] = best;
          ir[ow] = static_cast<int32_t>(best_index);
        }
      }
    }
  }
}

// The 2x2/stride 2 backward in one pass: every input pixel of a window is written once
// (the gradient where the window's winner sat, 0 elsewhere), instead of zeroing the whole
// gradient plane first and then scattering into it. Saves a full write pass over grad_x
// (measured: max_pool2d backward with its memset was ~4% of a WBC-net training step).
static void max_pool2x2_backward(const float* grad_y, const int32_t* indices, const Pool2dShape& s,
                                 float* grad_x) {
  const int64_t in_plane = s.in_h * s.in_w, out_plane = s.out_h * s.out_w;
#pragma omp parallel for schedule(static) if (s.planes * in_plane > kParallelThreshold)
  for (int64_t p = 0; p < s.planes; ++p) {
    float* gxp = grad_x + p * in_plane;
    const int64_t in_w = s.in_w, out_w = s.out_w;
    for (int64_t oh = 0; oh < s.out_h; ++oh) {
      float* top = gxp + 2 * oh * in_w;
      float* bottom = top + in_w;
      const float* gyr = grad_y + p * out_plane + oh * out_w;
      const int32_t* ir = indices + p * out_plane + oh * out_w;
      const int64_t row_start = 2 * oh * in_w;
      for (int64_t ow = 0; ow < out_w; ++ow) {
        const int64_t corner = row_start + 2 * ow;  // the window's top-left pixel
        const int64_t winner = ir[ow];
        const float g = gyr[ow];
        top[2 * ow] = winner == corner ? g : 0.0f;
        top[2 * ow + 1] = winner == corner + 1 ? g : 0.0f;
        bottom[2 * ow] = winner == corner + in_w ? g : 0.0f;
        bottom[2 * ow + 1] = winner == corner + in_w + 1 ? g : 0.0f;
      }
      // An odd last column belongs to no window.
      std::fill(top + 2 * out_w, top + in_w, 0.0f);
      std::fill(bottom + 2 * out_w, bottom + in_w, 0.0f);
    }
    std::fill(gxp + 2 * s.out_h * in_w, gxp + in_plane, 0.0f);  // an odd last row likewise
  }
}

void max_pool2d_backward(const float* grad_y, const int32_t* indices, const Pool2dShape& s,
                         float* grad_x) {
  if (is_plain_2x2(s)) return max_pool2x2_backward(grad_y, indices, s, grad_x);
  const int64_t in_plane = s.in_h * s.in_w, out_plane = s.out_h * s.out_w;
#pragma omp parallel for schedule(static) if (s.planes * in_plane > kParallelThreshold)
  for (int64_t p = 0; p < s.planes; ++p) {
    float* gxp = grad_x + p * in_plane;
    const float* gyp = grad_y + p * out_plane;
    const int32_t* ip = indices + p * out_plane;
    std::fill(gxp, gxp + in_plane, 0.0f);
    // Overlapping windows (kernel > stride) can share a winner: add, do not assign.
    for (int64_t o = 0; o < out_plane; ++o) gxp[ip[o]] += gyp[o];
  }
}

void avg_pool2d_forward(const float* x, const Pool2dShape& s, bool count_include_pad, float* y) {
  const int64_t in_plane = s.in_h * s.in_w, out_plane = s.out_h * s.out_w;
#pragma omp parallel if (s.planes * in_plane > kParallelThreshold)
  {
    std::vector<float> column_sum(s.in_w);  // per column, the sum over the window rows
#pragma omp for schedule(static)
    for (int64_t p = 0; p < s.planes; ++p) {
      const float* xp = x + p * in_plane;
      for (int64_t oh = 0; oh < s.out_h; ++oh) {
        const Span rows = span_at(oh, s.stride_h, s.pad_h, s.kernel_h, s.in_h);
        std::fill(column_sum.begin(), column_sum.end(), 0.0f);
        for (int64_t h = rows.begin; h < rows.end; ++h) {
          const float* xr = xp + h * s.in_w;
#pragma omp simd
          for (int64_t w = 0; w < s.in_w; ++w) column_sum[w] += xr[w];
        }
        float* yr = y + p * out_plane + oh * s.out_w;
        for (int64_t ow = 0; ow < s.out_w; ++ow) {
          const Span cols = span_at(ow, s.stride_w, s.pad_w, s.kernel_w, s.in_w);
          float sum = 0.0f;
          for (int64_t w = cols.begin; w < cols.end; ++w) sum += column_sum[w];
          yr[ow] = sum / static_cast<float>(divisor(rows, cols, count_include_pad));
        }
      }
    }
  }
}

void avg_pool2d_backward(const float* grad_y, const Pool2dShape& s, bool count_include_pad,
                         float* grad_x) {
  const int64_t in_plane = s.in_h * s.in_w, out_plane = s.out_h * s.out_w;
#pragma omp parallel if (s.planes * in_plane > kParallelThreshold)
  {
    // Per column, the gradient one output row sends to each of its window rows.
    std::vector<float> column_share(s.in_w);
#pragma omp for schedule(static)
    for (int64_t p = 0; p < s.planes; ++p) {
      float* gxp = grad_x + p * in_plane;
      std::fill(gxp, gxp + in_plane, 0.0f);
      for (int64_t oh = 0; oh < s.out_h; ++oh) {
        const Span rows = span_at(oh, s.stride_h, s.pad_h, s.kernel_h, s.in_h);
        std::fill(column_share.begin(), column_share.end(), 0.0f);
        const float* gyr = grad_y + p * out_plane + oh * s.out_w;
        for (int64_t ow = 0; ow < s.out_w; ++ow) {
          const Span cols = span_at(ow, s.stride_w, s.pad_w, s.kernel_w, s.in_w);
          const float share = gyr[ow] / static_cast<float>(divisor(rows, cols, count_include_pad));
          for (int64_t w = cols.begin; w < cols.end; ++w) column_share[w] += share;
        }
        for (int64_t h = rows.begin; h < rows.end; ++h) {
          float* gxr = gxp + h * s.in_w;
#pragma omp simd
          for (int64_t w = 0; w < s.in_w; ++w) gxr[w] += column_share[w];
        }
      }
    }
  }
}

void global_avg_pool_forward(const float* x, int64_t planes, int64_t plane_size, float* y) {
#pragma omp parallel for schedule(static) if (planes * plane_size > kParallelThreshold)
  for (int64_t p = 0; p < planes; ++p) {
    const float* xp = x + p * plane_size;
    double sum = 0.0;
#pragma omp simd reduction(+ : sum)
    for (int64_t i = 0; i < plane_size; ++i) sum += xp[i];
    y[p] = static_cast<float>(sum / static_cast<double>(plane_size));
  }
}

void global_avg_pool_backward(const float* grad_y, int64_t planes, int64_t plane_size,
                              float* grad_x) {
#pragma omp parallel for schedule(static) if (planes * plane_size > kParallelThreshold)
  for (int64_t p = 0; p < planes; ++p) {
    const float share = grad_y[p] / static_cast<float>(plane_size);
    float* gxp = grad_x + p * plane_size;
#pragma omp simd
    for (int64_t i = 0; i < plane_size; ++i) gxp[i] = share;
  }
}

}  // namespace leuko::cpu
