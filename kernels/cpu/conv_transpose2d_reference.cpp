// conv_transpose2d by its definition: every input pixel scatters itself, scaled by the kernel,
// onto the output grid:
//   y[n, co, oh, ow] = bias[co] + sum over (ci, ih, iw, i, j) with
//       oh = ih * stride_h - pad_h + i * dilation_h,  ow = iw * stride_w - pad_w + j * dilation_w
//   of x[n, ci, ih, iw] * weight[ci, co, i, j]   (targets outside y are dropped).
// In `g`'s terms (the conv2d from y back to x): x is [batch, out_channels, out_h, out_w],
// y is [batch, channels, height, width], weight is [out_channels, channels, kh, kw].
#include "kernels/cpu/conv_transpose2d.h"

#include <vector>

namespace leuko::cpu::reference {

// Where kernel tap (i, j) carries input pixel (ih, iw) on the output; false outside it.
static bool output_pixel(const ConvGeometry& g, int64_t ih, int64_t iw, int64_t i, int64_t j,
                         int64_t& oh, int64_t& ow) {
  oh = ih * g.stride_h - g.pad_h + i * g.dilation_h;
  ow = iw * g.stride_w - g.pad_w + j * g.dilation_w;
  return oh >= 0 && oh < g.height && ow >= 0 && ow < g.width;
}

static int64_t x_at(const ConvGeometry& g, int64_t n, int64_t ci, int64_t ih, int64_t iw) {
  return ((n * g.out_channels + ci) * g.out_h + ih) * g.out_w + iw;
}
static int64_t y_at(const ConvGeometry& g, int64_t n, int64_t co, int64_t oh, int64_t ow) {
  return ((n * g.channels + co) * g.height + oh) * g.width + ow;
}
static int64_t w_at(const ConvGeometry& g, int64_t ci, int64_t co, int64_t i, int64_t j) {
  return ((ci * g.channels + co) * g.kernel_h + i) * g.kernel_w + j;
}

void conv_transpose2d_forward(const float* x, const float* weight, const float* bias, float* y,
                              const ConvGeometry& g) {
  std::vector<double> sums(g.batch * g.channels * g.height * g.width, 0.0);
  for (int64_t n = 0; n < g.batch; ++n)
    for (int64_t ci = 0; ci < g.out_channels; ++ci)
      for (int64_t ih = 0; ih < g.out_h; ++ih)
        for (int64_t iw = 0; iw < g.out_w; ++iw)
          for (int64_t co = 0; co < g.channels; ++co)
            for (int64_t i = 0; i < g.kernel_h; ++i)
              for (int64_t j = 0; j < g.kernel_w; ++j) {
                int64_t oh, ow;
                if (!output_pixel(g, ih, iw, i, j, oh, ow)) continue;
                sums[y_at(g, n, co, oh, ow)] +=
                    double{x[x_at(g, n, ci, ih, iw)]} * weight[w_at(g, ci, co, i, j)];
              }
  for (int64_t n = 0; n < g.batch; ++n)
    for (int64_t co = 0; co < g.channels; ++co)
      for (int64_t q = 0; q < g.height * g.width; ++q) {
        const int64_t k = (n * g.channels + co) * g.height * g.width + q;
        y[k] = static_cast<float>(sums[k] + (bias ? bias[co] : 0.0));
      }
}

// grad_x[n, ci, ih, iw] = sum over (co, i, j) of grad_y at the pixel (ih, iw) was carried to,
// times weight[ci, co, i, j].
void conv_transpose2d_backward_input(const float* grad_y, const float* weight, float* grad_x,
                                     const ConvGeometry& g) {
  for (int64_t n = 0; n < g.batch; ++n)
    for (int64_t ci = 0; ci < g.out_channels; ++ci)
      for (int64_t ih = 0; ih < g.out_h; ++ih)
        for (int64_t iw = 0; iw < g.out_w; ++iw) {
          double sum = 0.0;
          for (int64_t co = 0; co < g.channels; ++co)
            for (int64_t i = 0; i < g.kernel_h; ++i)
              for (int64_t j = 0; j < g.kernel_w; ++j) {
                int64_t oh, ow;
                if (!output_pixel(g, ih, iw, i, j, oh, ow)) continue;
                sum += double{grad_y[y_at(g, n, co, oh, ow)]} * weight[w_at(g, ci, co, i, j)];
              }
          grad_x[x_at(g, n, ci, ih, iw)] = static_cast<float>(sum);
        }
}

// grad_weight[ci, co, i, j] = sum over n, ih, iw of x[n, ci, ih, iw] * grad_y at its target.
void conv_transpose2d_backward_weight(const float* grad_y, const float* x, float* grad_weight,
                                      const ConvGeometry& g) {
  for (int64_t ci = 0; ci < g.out_channels; ++ci)
    for (int64_t co = 0; co < g.channels; ++co)
      for (int64_t i = 0; i < g.kernel_h; ++i)
        for (int64_t j = 0; j < g.kernel_w; ++j) {
          double sum = 0.0;
          for (int64_t n = 0; n < g.batch; ++n)
            for (int64_t ih = 0; ih < g.out_h; ++ih)
              for (int64_t iw = 0; iw < g.out_w; ++iw) {
                int64_t oh, ow;
                if (!output_pixel(g, ih, iw, i, j, oh, ow)) continue;
                sum += double{x[x_at(g, n, ci, ih, iw)]} * grad_y[y_at(g, n, co, oh, ow)];
              }
          grad_weight[w_at(g, ci, co, i, j)] = static_cast<float>(sum);
        }
}

// grad_bias[co] = sum of grad_y[n, co, :, :] over the batch.
void conv_transpose2d_backward_bias(const float* grad_y, float* grad_bias, const ConvGeometry& g) {
  for (int64_t co = 0; co < g.channels; ++co) {
    double sum = 0.0;
    for (int64_t n = 0; n < g.batch; ++n)
      for (int64_t q = 0; q < g.height * g.width; ++q) sum += grad_y[y_at(g, n, co, 0, 0) + q];
    grad_bias[co] = static_cast<float>(sum);
  }
}

}  // namespace leuko::cpu::reference
