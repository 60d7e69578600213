// conv2d by its definition (cross-correlation, as PyTorch's):
//   y[n, o, oh, ow] = bias[o] + sum_{c, i, j} x[n, c, ih, iw] * weight[o, c, i, j],
//   ih = oh * stride_h - pad_h + i * dilation_h,  iw = ow * stride_w - pad_w + j * dilation_w,
// taps that land in the zero padding contributing nothing. Each gradient is the sum, over the
// same index tuples, of grad_y times the other factor.
#include "kernels/cpu/conv2d.h"

#include <cstddef>
#include <vector>

namespace leuko::cpu::reference {

// Where kernel tap (i, j) of output pixel (oh, ow) reads the input; false in the padding.
static bool input_pixel(const ConvGeometry& g, int64_t oh, int64_t ow, int64_t i, int64_t j,
                        int64_t& ih, int64_t& iw) {
  ih = oh * g.stride_h - g.pad_h + i * g.dilation_h;
  iw = ow * g.stride_w - g.pad_w + j * g.dilation_w;
  return ih >= 0 && ih < g.height && iw >= 0 && iw < g.width;
}

static int64_t x_at(const ConvGeometry& g, int64_t n, int64_t c, int64_t ih, int64_t iw) {
  return ((n * g.channels + c) * g.height + ih) * g.width + iw;
}
static int64_t y_at(const ConvGeometry& g, int64_t n, int64_t o, int64_t oh, int64_t ow) {
  return ((n * g.out_channels + o) * g.out_h + oh) * g.out_w + ow;
}
static int64_t w_at(const ConvGeometry& g, int64_t o, int64_t c, int64_t i, int64_t j) {
  return ((o * g.channels + c) * g.kernel_h + i) * g.kernel_w + j;
}

void conv2d_forward(const float* x, const float* weight, const float* bias, float* y,
                    const ConvGeometry& g) {
  for (int64_t n = 0; n < g.batch; ++n)
    for (int64_t o = 0; o < g.out_channels; ++o)
      for (int64_t oh = 0; oh < g.out_h; ++oh)
        for (int64_t ow = 0; ow < g.out_w; ++ow) {
          double sum = bias ? bias[o] : 0.0;
          for (int64_t c = 0; c < g.channels; ++c)
            for (int64_t i = 0; i < g.kernel_h; ++i)
              for (int64_t j = 0; j < g.kernel_w; ++j) {
                int64_t ih, iw;
                if (!input_pixel(g, oh, ow, i, j, ih, iw)) continue;
                sum += double{x[x_at(g, n, c, ih, iw)]} * weight[w_at(g, o, c, i, j)];
              }
          y[y_at(g, n, o, oh, ow)] = static_cast<float>(sum);
        }
}

// grad_x[n, c, ih, iw] = sum of grad_y[n, o, oh, ow] * weight[o, c, i, j] over every
// (o, oh, ow, i, j) whose tap reads (ih, iw), accumulated in double.
void conv2d_backward_input(const float* grad_y, const float* weight, float* grad_x,
                           const ConvGeometry& g) {
  std::vector<double> sums(g.batch * g.channels * g.height * g.width, 0.0);
  for (int64_t n = 0; n < g.batch; ++n)
    for (int64_t o = 0; o < g.out_channels; ++o)
      for (int64_t oh = 0; oh < g.out_h; ++oh)
        for (int64_t ow = 0; ow < g.out_w; ++ow)
          for (int64_t c = 0; c < g.channels; ++c)
            for (int64_t i = 0; i < g.kernel_h; ++i)
              for (int64_t j = 0; j < g.kernel_w; ++j) {
                int64_t ih, iw;
                if (!input_pixel(g, oh, ow, i, j, ih, iw)) continue;
                sums[x_at(g, n, c, ih, iw)] +=
                    double{grad_y[y_at(g, n, o, oh, ow)]} * weight[w_at(g, o, c, i, j)];
              }
  for (std::size_t k = 0; k < sums.size(); ++k) grad_x[k] = static_cast<float>(sums[k]);
}

// grad_weight[o, c, i, j] = sum over n, oh, ow of grad_y[n, o, oh, ow] * x[n, c, ih, iw].
void conv2d_backward_weight(const float* grad_y, const float* x, float* grad_weight,
                            const ConvGeometry& g) {
  for (int64_t o = 0; o < g.out_channels; ++o)
    for (int64_t c = 0; c < g.channels; ++c)
      for (int64_t i = 0; i < g.kernel_h; ++i)
        for (int64_t j = 0; j < g.kernel_w; ++j) {
          double sum = 0.0;
          for (int64_t n = 0; n < g.batch; ++n)
            for (int64_t oh = 0; oh < g.out_h; ++oh)
              for (int64_t ow = 0; ow < g.out_w; ++ow) {
                int64_t ih, iw;
                if (!input_pixel(g, oh, ow, i, j, ih, iw)) continue;
                sum += double{grad_y[y_at(g, n, o, oh, ow)]} * x[x_at(g, n, c, ih, iw)];
              }
          grad_weight[w_at(g, o, c, i, j)] = static_cast<float>(sum);
        }
}

// grad_bias[o] = sum over n and positions of grad_y[n, o, position].
void conv2d_backward_bias(const float* grad_y, float* grad_bias, int64_t batch,
                          int64_t out_channels, int64_t positions) {
  for (int64_t o = 0; o < out_channels; ++o) {
    double sum = 0.0;
    for (int64_t n = 0; n < batch; ++n)
      for (int64_t p = 0; p < positions; ++p) sum += grad_y[(n * out_channels + o) * positions + p];
    grad_bias[o] = static_cast<float>(sum);
  }
}

}  // namespace leuko::cpu::reference
