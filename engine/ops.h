// Every op of the engine. Each op lives in engine/ops/<stem>.cpp (argument checks, device
// dispatch, autograd node) with its kernels in kernels/cpu/<stem>.cpp and
// kernels/cuda/<stem>.cu; the stem is named in the comment above each group.
// All ops take and return NCHW float32 tensors unless stated, record themselves on the
// autograd tape, and throw leuko::Error naming the op and the expected shape on bad input.
#pragma once

#include <optional>
#include <vector>

#include "engine/tensor.h"

namespace leuko {

class Generator;

// A (height, width) pair for kernel sizes, strides, paddings and dilations.
struct Size2 {
  int64_t h, w;
  Size2(int64_t both) : h(both), w(both) {}  // NOLINT: implicit on purpose, conv2d(x, w, b, 2)
  Size2(int64_t h_, int64_t w_) : h(h_), w(w_) {}
};

// ---- view: reshape, flatten, permute, transpose, slice, contiguous, expand ---------------------
Tensor reshape(const Tensor& x, const Shape& shape);  // one dim may be -1
Tensor flatten(const Tensor& x, int64_t start_dim = 1, int64_t end_dim = -1);
Tensor permute(const Tensor& x, const std::vector<int64_t>& dims);
Tensor transpose(const Tensor& x, int64_t d0, int64_t d1);
Tensor slice(const Tensor& x, int64_t dim, int64_t start, int64_t end, int64_t step = 1);
Tensor contiguous(const Tensor& x);
Tensor expand(const Tensor& x, const Shape& shape);  // broadcast view (stride 0), NumPy rules
Tensor sum_to(const Tensor& x, const Shape& shape);  // sums broadcast dims away: expand's adjoint
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);

// ---- elementwise: add, sub, mul, div with NumPy broadcasting; scalar forms ----------------
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor add(const Tensor& a, float b);
Tensor mul(const Tensor& a, float b);
Tensor neg(const Tensor& a);
inline Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
inline Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
inline Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
inline Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
inline Tensor operator+(const Tensor& a, float b) { return add(a, b); }
inline Tensor operator-(const Tensor& a, float b) { return add(a, -b); }
inline Tensor operator*(const Tensor& a, float b) { return mul(a, b); }
inline Tensor operator*(float a, const Tensor& b) { return mul(b, a); }
inline Tensor operator/(const Tensor& a, float b) { return mul(a, 1.0f / b); }
inline Tensor operator-(const Tensor& a) { return neg(a); }

// ---- activation: relu, elu, leaky_relu, sigmoid, tanh ---------------------------------
Tensor relu(const Tensor& x);
Tensor elu(const Tensor& x, float alpha = 1.0f);
Tensor leaky_relu(const Tensor& x, float negative_slope = 0.01f);
Tensor sigmoid(const Tensor& x);
Tensor tanh(const Tensor& x);

// ---- reduce: sum and mean over all elements or over given dims ---------------------------
Tensor sum(const Tensor& x);  // 0-d result
Tensor sum(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim = false);
Tensor mean(const Tensor& x);
Tensor mean(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim = false);

// ---- matmul: [M,K] x [K,N], batched [B,M,K] x [B,K,N]; linear: x [N,in], w [out,in] --------
Tensor matmul(const Tensor& a, const Tensor& b);
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor());

// ---- conv2d: x [N,C,H,W], weight [O,C,kh,kw], bias [O] or undefined ----------------------
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor(),
              Size2 stride = 1, Size2 padding = 0, Size2 dilation = 1);

// ---- conv_transpose2d: weight [C_in, C_out, kh, kw] as in PyTorch ---------------------------
Tensor conv_transpose2d(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor(),
                        Size2 stride = 1, Size2 padding = 0, Size2 output_padding = 0,
                        Size2 dilation = 1);

// ---- batch_norm: per-channel over (N,H,W) for 4-D input, over N for 2-D [N,C] ----------------
// In training mode normalizes with the batch's biased variance and updates the running
// buffers in place (running = (1-momentum)*running + momentum*batch, unbiased variance);
// in eval mode uses the running buffers. weight/bias may be undefined (affine off).
Tensor batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias,
                  const Tensor& running_mean, const Tensor& running_var, bool training,
                  float momentum = 0.1f, float eps = 1e-5f);

// ---- pool: max_pool2d, avg_pool2d, global_avg_pool ----------------------------------------
Tensor max_pool2d(const Tensor& x, Size2 kernel, Size2 stride, Size2 padding = 0,
                  bool ceil_mode = false);
Tensor avg_pool2d(const Tensor& x, Size2 kernel, Size2 stride, Size2 padding = 0,
                  bool ceil_mode = false, bool count_include_pad = true);
Tensor global_avg_pool(const Tensor& x);  // [N,C,H,W] -> [N,C,1,1]

// ---- concat: along one dim, all other dims equal -----------------------------------------
Tensor concat(const std::vector<Tensor>& xs, int64_t dim);

// ---- dropout: inverted dropout (kept values scaled by 1/(1-p)); identity when !training ----
Tensor dropout(const Tensor& x, float p, bool training, Generator& generator);

// ---- softmax: along `dim` -------------------------------------------------------------------
Tensor softmax(const Tensor& x, int64_t dim);
Tensor log_softmax(const Tensor& x, int64_t dim);

// ---- cross_entropy: logits [N,K], labels int64 [N], optional class weights [K] --------------
// Mean reduction as PyTorch defines it: sum_i w[y_i] * nll_i / sum_i w[y_i].
Tensor cross_entropy(const Tensor& logits, const Tensor& labels,
                     const Tensor& class_weights = Tensor());

// ---- mse: mean of squared differences -------------------------------------------------------
Tensor mse_loss(const Tensor& prediction, const Tensor& target);

// ---- ssim: 1 - mean SSIM over channels and valid window positions (pytorch_msssim's 'valid'
// Gaussian filtering: 11x11, sigma 1.5, K1 0.01, K2 0.03); x and y [N,C,H,W], H,W >= 11 -------
Tensor ssim(const Tensor& x, const Tensor& y, float data_range = 1.0f);       // mean SSIM
Tensor ssim_loss(const Tensor& x, const Tensor& y, float data_range = 1.0f);  // 1 - ssim

// ---- fused ops (CPU speed and memory): one pass and one saved tensor fewer per layer --------
// add_relu(a, b) == relu(a + b), a residual block's merge; a and b of one shape (no
// broadcasting).
Tensor add_relu(const Tensor& a, const Tensor& b);

// batch_norm_relu(x, ..., residual) == relu(batch_norm(x, ...) + residual), same arguments
// and running-buffer updates as batch_norm; residual has x's shape, or is undefined (none):
// then relu(batch_norm(x, ...)).
Tensor batch_norm_relu(const Tensor& x, const Tensor& weight, const Tensor& bias,
                       const Tensor& running_mean, const Tensor& running_var, bool training,
                       float momentum = 0.1f, float eps = 1e-5f, const Tensor& residual = Tensor());

// conv_batch_norm_relu(x, ...) == relu(batch_norm(conv2d(x, conv_weight, conv_bias, stride,
// padding), bn_weight, bn_bias, running_mean, running_var, training, momentum, eps)
// [+ residual]), running-buffer updates included; residual, when given, has the conv output's
// shape and is added before the ReLU. On the CUDA devices the batch statistics are gathered
// in the convolution's epilogue (training) or batch norm is folded into its weights (eval).
Tensor conv_batch_norm_relu(const Tensor& x, const Tensor& conv_weight, const Tensor& conv_bias,
                            const Tensor& bn_weight, const Tensor& bn_bias,
                            const Tensor& running_mean, const Tensor& running_var, Size2 stride,
                            Size2 padding, bool training, float momentum = 0.1f, float eps = 1e-5f,
                            const Tensor& residual = Tensor());

}  // namespace leuko
