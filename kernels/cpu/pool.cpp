// Max, average and global average pooling over [H, W] planes, forward and backward.
//
// Work split: OpenMP over the N*C planes (planes are independent, and the backward of a
// plane only writes into that plane, so no atomics are needed). Within a plane each output
// walks its clipped window.
// Cost: max/avg read each input about (kernel_h*kernel_w)/(stride_h*stride_w) times (from
// cache) and do one compare or add per read; global average reads each input once. Memory
// bound for the usual 2x2/s2 and 3x3/s2 windows.
#include "kernels/cpu/pool.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace leuko::cpu {

static constexpr int64_t kParallelThreshold = 32768;

// The window of output (oh, ow) in input coordinates: [h0, h1) x [w0, w1), before and after
// clipping. The unclipped end stops at the padded border (PyTorch's rule for the divisor).
struct Window {
  int64_t h0, h1, w0, w1;  // clipped to the input
  int64_t padded_size;     // positions inside input + padding
};

static Window window_at(const Pool2dShape& s, int64_t oh, int64_t ow) {
  const int64_t h0 = oh * s.stride_h - s.pad_h, w0 = ow * s.stride_w - s.pad_w;
  const int64_t h1 = std::min(h0 + s.kernel_h, s.in_h + s.pad_h);
  const int64_t w1 = std::min(w0 + s.kernel_w, s.in_w + s.pad_w);
  return {std::max<int64_t>(h0, 0), std::min(h1, s.in_h), std::max<int64_t>(w0, 0),
          std::min(w1, s.in_w), (h1 - h0) * (w1 - w0)};
}

static int64_t divisor(const Window& win, bool count_include_pad) {
  return count_include_pad ? win.padded_size : (win.h1 - win.h0) * (win.w1 - win.w0);
}

void max_pool2d_forward(const float* x, const Pool2dShape& s, float* y, int64_t* indices) {
  const int64_t in_plane = s.in_h * s.in_w, out_plane = s.out_h * s.out_w;
#pragma omp parallel for schedule(static) if (s.planes * in_plane > kParallelThreshold)
  for (int64_t p = 0; p < s.planes; ++p) {
    const float* xp = x + p * in_plane;
    for (int64_t oh = 0; oh < s.out_h; ++oh) {
      for (int64_t ow = 0; ow < s.out_w; ++ow) {
        const Window win = window_at(s, oh, ow);
        float best = -std::numeric_limits<float>::infinity();
        int64_t best_index = win.h0 * s.in_w + win.w0;
        for (int64_t h = win.h0; h < win.h1; ++h) {
          for (int64_t w = win.w0; w < win.w1; ++w) {
            const float v = xp[h * s.in_w + w];
            if (v > best || std::isnan(v)) {  // PyTorch's rule: NaN propagates
              best = v;
              best_index = h * s.in_w + w;
            }
          }
        }
        y[p * out_plane + oh * s.out_w + ow] = best;
        indices[p * out_plane + oh * s.out_w + ow] = best_index;
      }
    }
  }
}

void max_pool2d_backward(const float* grad_y, const int64_t* indices, const Pool2dShape& s,
                         float* grad_x) {
  const int64_t in_plane = s.in_h * s.in_w, out_plane = s.out_h * s.out_w;
#pragma omp parallel for schedule(static) if (s.planes * in_plane > kParallelThreshold)
  for (int64_t p = 0; p < s.planes; ++p) {
    float* gxp = grad_x + p * in_plane;
    std::fill(gxp, gxp + in_plane, 0.0f);
    // Overlapping windows (kernel > stride) can pick the same winner: add, do not assign.
    for (int64_t o = 0; o < out_plane; ++o)
      gxp[indices[p * out_plane + o]] += grad_y[p * out_plane + o];
  }
}

void avg_pool2d_forward(const float* x, const Pool2dShape& s, bool count_include_pad, float* y) {
  const int64_t in_plane = s.in_h * s.in_w, out_plane = s.out_h * s.out_w;
#pragma omp parallel for schedule(static) if (s.planes * in_plane > kParallelThreshold)
  for (int64_t p = 0; p < s.planes; ++p) {
    const float* xp = x + p * in_plane;
    for (int64_t oh = 0; oh < s.out_h; ++oh) {
      for (int64_t ow = 0; ow < s.out_w; ++ow) {
        const Window win = window_at(s, oh, ow);
        float sum = 0.0f;
        for (int64_t h = win.h0; h < win.h1; ++h) {
          for (int64_t w = win.w0; w < win.w1; ++w) sum += xp[h * s.in_w + w];
        }
        y[p * out_plane + oh * s.out_w + ow] =
            sum / static_cast<float>(divisor(win, count_include_pad));
      }
    }
  }
}

void avg_pool2d_backward(const float* grad_y, const Pool2dShape& s, bool count_include_pad,
                         float* grad_x) {
  const int64_t in_plane = s.in_h * s.in_w, out_plane = s.out_h * s.out_w;
#pragma omp parallel for schedule(static) if (s.planes * in_plane > kParallelThreshold)
  for (int64_t p = 0; p < s.planes; ++p) {
    float* gxp = grad_x + p * in_plane;
    std::fill(gxp, gxp + in_plane, 0.0f);
    for (int64_t oh = 0; oh < s.out_h; ++oh) {
      for (int64_t ow = 0; ow < s.out_w; ++ow) {
        const Window win = window_at(s, oh, ow);
        const float share = grad_y[p * out_plane + oh * s.out_w + ow] /
                            static_cast<float>(divisor(win, count_include_pad));
        for (int64_t h = win.h0; h < win.h1; ++h) {
          for (int64_t w = win.w0; w < win.w1; ++w) gxp[h * s.in_w + w] += share;
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
