// conv_transpose2d by its definition: every input pixel scatters itself, scaled by the kernel,
// onto the output grid:
//   y[n, co, oh, ow] = bias[co] + sum over (ci, ih, iw, i, j) with
//       oh = ih * stride_h - pad_h + i * dilation_h,  ow = iw * stride_w - pad_w + j * dilation_w
//   of x[n, ci, ih, iw] * weight[ci, co, i, j]   (targets outside y are dropped).
// That sum is conv2d's input gradient, read in `g`'s terms (g is the conv2d from y back to x:
// x is its output [batch, out_channels, out_h, out_w], y its input [batch, channels, height,
// width], weight its [out_channels, channels, kh, kw]). So the transposed convolution is the
// adjoint of conv2d, and its kernels are conv2d's reference kernels with the roles swapped:
//   forward          = conv2d's backward_input  (scatter x through the taps), plus the bias;
//   backward_input   = conv2d's forward         (gather grad_y through the same taps);
//   backward_weight  = conv2d's backward_weight with x and grad_y exchanged.
#include "kernels/cpu/conv_transpose2d.h"

#include "kernels/cpu/conv2d.h"

namespace leuko::cpu::reference {

void conv_transpose2d_forward(const float* x, const float* weight, const float* bias, float* y,
                              const ConvGeometry& g) {
  conv2d_backward_input(x, weight, y, g);
  if (bias == nullptr) return;
  const int64_t positions = g.height * g.width;
  for (int64_t n = 0; n < g.batch; ++n)
    for (int64_t co = 0; co < g.channels; ++co)
      for (int64_t q = 0; q < positions; ++q) y[(n * g.channels + co) * positions + q] += bias[co];
}

void conv_transpose2d_backward_input(const float* grad_y, const float* weight, float* grad_x,
                                     const ConvGeometry& g) {
  conv2d_forward(grad_y, weight, /*bias=*/nullptr, grad_x, g);
}

void conv_transpose2d_backward_weight(const float* grad_y, const float* x, float* grad_weight,
                                      const ConvGeometry& g) {
  conv2d_backward_weight(x, grad_y, grad_weight, g);
}

// grad_bias[co] = sum of grad_y[n, co, :, :] over the batch.
void conv_transpose2d_backward_bias(const float* grad_y, float* grad_bias, const ConvGeometry& g) {
  conv2d_backward_bias(grad_y, grad_bias, g.batch, g.channels, g.height * g.width);
}

}  // namespace leuko::cpu::reference
