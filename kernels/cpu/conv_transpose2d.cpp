// conv_transpose2d as conv2d run backwards. With conv2d's weight layout [O, C, kh, kw] read
// as [C_in, C_out, kh, kw], conv2d's input gradient scatters each of x's C_in channels
// through the kernel onto y's C_out channels, which is exactly the transposed convolution:
//   forward       y  = conv2d_backward_input(dy := x)        col2im of W^T x   (+ bias)
//   grad input    dx = conv2d_forward(x := dy)               im2col, W x col
//   grad weight   dW = conv2d_backward_weight(dy := x, x := dy)
// Costs and threading are conv2d's (kernels/cpu/conv2d.cpp): 2*C_in*C_out*kh*kw*H*W flops
// per image for each pass, plus the im2col/col2im traffic, one image per OpenMP thread.
#include "kernels/cpu/conv_transpose2d.h"

namespace leuko::cpu {

void conv_transpose2d_forward(const float* x, const float* weight, const float* bias, float* y,
                              const ConvGeometry& g) {
  conv2d_backward_input(x, weight, y, g);
  if (!bias) return;
  const int64_t batch = g.batch, plane = g.height * g.width;
#pragma omp parallel for schedule(static) if (batch * g.channels * plane > 65536)
  for (int64_t i = 0; i < batch * g.channels; ++i) {
    const float b = bias[i % g.channels];
    float* out = y + i * plane;
    for (int64_t q = 0; q < plane; ++q) out[q] += b;
  }
}

void conv_transpose2d_backward_input(const float* grad_y, const float* weight, float* grad_x,
                                     const ConvGeometry& g) {
  conv2d_forward(grad_y, weight, nullptr, grad_x, g);
}

void conv_transpose2d_backward_weight(const float* grad_y, const float* x, float* grad_weight,
                                      const ConvGeometry& g) {
  conv2d_backward_weight(x, grad_y, grad_weight, g);
}

void conv_transpose2d_backward_bias(const float* grad_y, float* grad_bias, const ConvGeometry& g) {
  conv2d_backward_bias(grad_y, grad_bias, g.batch, g.channels, g.height * g.width);
}

}  // namespace leuko::cpu
