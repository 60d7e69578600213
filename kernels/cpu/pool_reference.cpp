// Pooling by its definition. Output pixel (oh, ow) of a plane looks at the window of rows
// [oh * stride_h - pad_h, + kernel_h) and columns [ow * stride_w - pad_w, + kernel_w), cut
// at the padded border (in + pad) and read only where it lies inside the input.
//   max:  y = the window's largest value (the first in row-major order on ties; a NaN wins);
//         its gradient goes to that one pixel.
//   avg:  y = the window's sum / divisor, the divisor counting the window's positions inside
//         input-plus-padding (count_include_pad) or inside the input; its gradient is spread
//         evenly over the window's input pixels.
#include "kernels/cpu/pool.h"

#include <algorithm>
#include <cmath>

namespace leuko::cpu::reference {

// One window along one axis: inside the input [begin, end); `padded_length` positions
// counting the padding.
struct Window {
  int64_t begin, end, padded_length;
};

static Window window(int64_t o, int64_t stride, int64_t pad, int64_t kernel, int64_t in) {
  const int64_t start = o * stride - pad;
  const int64_t stop = std::min(start + kernel, in + pad);
  return {std::max<int64_t>(start, 0), std::min(stop, in), stop - start};
}

static int64_t divisor(const Window& rows, const Window& cols, bool count_include_pad) {
  return count_include_pad ? rows.padded_length * cols.padded_length
                           : (rows.end - rows.begin) * (cols.end - cols.begin);
}

void max_pool2d_forward(const float* x, const Pool2dShape& s, float* y, int32_t* indices) {
  for (int64_t p = 0; p < s.planes; ++p)
    for (int64_t oh = 0; oh < s.out_h; ++oh)
      for (int64_t ow = 0; ow < s.out_w; ++ow) {
        const Window rows = window(oh, s.stride_h, s.pad_h, s.kernel_h, s.in_h);
        const Window cols = window(ow, s.stride_w, s.pad_w, s.kernel_w, s.in_w);
        float best = NAN;
        int64_t best_index = -1;
        for (int64_t h = rows.begin; h < rows.end; ++h)
          for (int64_t w = cols.begin; w < cols.end; ++w) {
            const float v = x[(p * s.in_h + h) * s.in_w + w];
            const bool first = best_index < 0;
            if (first || (!std::isnan(best) && (v > best || std::isnan(v)))) {
              best = v;
              best_index = h * s.in_w + w;
            }
          }
        const int64_t o = (p * s.out_h + oh) * s.out_w + ow;
        y[o] = best;
        indices[o] = static_cast<int32_t>(best_index);
      }
}

void max_pool2d_backward(const float* grad_y, const int32_t* indices, const Pool2dShape& s,
                         float* grad_x) {
  const int64_t in_plane = s.in_h * s.in_w, out_plane = s.out_h * s.out_w;
  for (int64_t i = 0; i < s.planes * in_plane; ++i) grad_x[i] = 0.0f;
  // Overlapping windows can share a winner, which then gets each window's gradient.
  for (int64_t p = 0; p < s.planes; ++p)
    for (int64_t o = 0; o < out_plane; ++o) {
      grad_x[p * in_plane + indices[p * out_plane + o]] += grad_y[p * out_plane + o];
    }
}

void avg_pool2d_forward(const float* x, const Pool2dShape& s, bool count_include_pad, float* y) {
  for (int64_t p = 0; p < s.planes; ++p)
    for (int64_t oh = 0; oh < s.out_h; ++oh)
      for (int64_t ow = 0; ow < s.out_w; ++ow) {
        const Window rows = window(oh, s.stride_h, s.pad_h, s.kernel_h, s.in_h);
        const Window cols = window(ow, s.stride_w, s.pad_w, s.kernel_w, s.in_w);
        double sum = 0.0;
        for (int64_t h = rows.begin; h < rows.end; ++h)
          for (int64_t w = cols.begin; w < cols.end; ++w) sum += x[(p * s.in_h + h) * s.in_w + w];
        y[(p * s.out_h + oh) * s.out_w + ow] =
            static_cast<float>(sum / divisor(rows, cols, count_include_pad));
      }
}

void avg_pool2d_backward(const float* grad_y, const Pool2dShape& s, bool count_include_pad,
                         float* grad_x) {
  for (int64_t i = 0; i < s.planes * s.in_h * s.in_w; ++i) grad_x[i] = 0.0f;
  for (int64_t p = 0; p < s.planes; ++p)
    for (int64_t oh = 0; oh < s.out_h; ++oh)
      for (int64_t ow = 0; ow < s.out_w; ++ow) {
        const Window rows = window(oh, s.stride_h, s.pad_h, s.kernel_h, s.in_h);
        const Window cols = window(ow, s.stride_w, s.pad_w, s.kernel_w, s.in_w);
        const double share = double{grad_y[(p * s.out_h + oh) * s.out_w + ow]} /
                             divisor(rows, cols, count_include_pad);
        for (int64_t h = rows.begin; h < rows.end; ++h)
          for (int64_t w = cols.begin; w < cols.end; ++w) {
            float& g = grad_x[(p * s.in_h + h) * s.in_w + w];
            g = static_cast<float>(g + share);
          }
      }
}

// y[p] = mean of plane p; each of its pixels gets grad_y[p] / plane_size back.
void global_avg_pool_forward(const float* x, int64_t planes, int64_t plane_size, float* y) {
  for (int64_t p = 0; p < planes; ++p) {
    double sum = 0.0;
    for (int64_t i = 0; i < plane_size; ++i) sum += x[p * plane_size + i];
    y[p] = static_cast<float>(sum / plane_size);
  }
}

void global_avg_pool_backward(const float* grad_y, int64_t planes, int64_t plane_size,
                              float* grad_x) {
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t i = 0; i < plane_size; ++i) {
      grad_x[p * plane_size + i] = static_cast<float>(double{grad_y[p]} / plane_size);
    }
}

}  // namespace leuko::cpu::reference
