// The pieces of the project's implicit-GEMM convolution that conv2d.cu (forward and the two
// gradients) and conv_batch_norm_relu.cu (the forward with batch norm folded in, or with the
// batch statistics gathered in its epilogue) share: the geometry in 32-bit integers, the
// im2col element computed from its index, and the forward product as a tiled_gemm.cuh
// problem. conv2d.cu's top comment says how the products are laid out and what they cost.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include "kernels/cuda/common.cuh"
#include "kernels/cuda/tiled_gemm.cuh"
#include "kernels/op_params.h"

namespace leuko::LEUKO_CUDA_NS {

// The geometry in 32-bit integers, for the kernels (kernels/op_params.h), after
// checked_index has made sure every tensor's element count fits.
using ConvGeometry32 = BasicConvGeometry<int>;

inline ConvGeometry32 checked_index(const ConvGeometry& p, const char* op) {
  const int64_t largest[] = {p.batch * p.channels * p.height * p.width,
                             p.batch * p.out_channels * p.out_h * p.out_w,
                             p.out_channels * p.channels * p.kernel_h * p.kernel_w};
  for (int64_t count : largest) {
    if (count > INT32_MAX)
      throw std::runtime_error(std::string(op) + ": tensor above 2^31 elements");
  }
  auto i = [](int64_t v) { return static_cast<int>(v); };
  return {i(p.batch),    i(p.channels),   i(p.height),     i(p.width),    i(p.out_channels),
          i(p.kernel_h), i(p.kernel_w),   i(p.stride_h),   i(p.stride_w), i(p.pad_h),
          i(p.pad_w),    i(p.dilation_h), i(p.dilation_w), i(p.out_h),    i(p.out_w)};
}

// The im2col element for channel c, tap t at output position p of image n: the input pixel
// that tap sees there, 0 in the padding.
__device__ inline float im2col_element(const ConvGeometry32& g, const float* x, int n, int c, int t,
                                       int p) {
  const int i = t / g.kernel_w, j = t % g.kernel_w;
  const int oh = p / g.out_w, ow = p % g.out_w;
  const int ih = oh * g.stride_h - g.pad_h + i * g.dilation_h;
  const int iw = ow * g.stride_w - g.pad_w + j * g.dilation_w;
  if (ih < 0 || ih >= g.height || iw < 0 || iw >= g.width) return 0.0f;
  return x[((n * g.channels + c) * g.height + ih) * g.width + iw];
}

struct ForwardProblem {
  int rows, cols, depth;
  ConvGeometry32 g;
  const float* x;
  const float* weight;
  const float* bias;  // may be null
  float* y;
  bool apply_relu;

  __device__ float a(int, int o, int k) const { return weight[o * depth + k]; }
  __device__ float b(int, int k, int col) const {
    const int positions = g.positions();
    return im2col_element(g, x, col / positions, k / g.taps(), k % g.taps(), col % positions);
  }
  // The value y gets at output channel o from the product's sum, and where it goes.
  __device__ float output(int o, float sum) const {
    float value = bias != nullptr ? sum + bias[o] : sum;
    if (apply_relu && value < 0.0f) value = 0.0f;  // NaN stays NaN, as in relu()
    return value;
  }
  __device__ void write(int o, int col, float value) const {
    const int positions = g.positions();
    const int n = col / positions, p = col % positions;
    y[(n * g.out_channels + o) * positions + p] = value;
  }
  __device__ void store(int, int o, int col, float sum) const { write(o, col, output(o, sum)); }
};

// The forward product W [O, C*kh*kw] x im2col(x) [C*kh*kw, N*out_h*out_w].
inline ForwardProblem forward_problem(const ConvGeometry32& g, const float* x, const float* weight,
                                      const float* bias, float* y, bool apply_relu) {
  return {g.out_channels,
          g.batch * g.out_h * g.out_w,
          g.channels * g.kernel_h * g.kernel_w,
          g,
          x,
          weight,
          bias,
          y,
          apply_relu};
}

}  // namespace leuko::LEUKO_CUDA_NS
