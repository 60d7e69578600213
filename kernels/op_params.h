// The parameter structs that an op's CPU kernel (kernels/cpu) and its CUDA kernel
// (kernels/cuda) both take: the engine fills one and hands it to whichever backend runs, so
// the two backends depend on this header, never on each other.
#pragma once

#include <cstdint>

// Methods the CUDA kernels call on the device as well (nvcc needs to be told; the host
// compiler, also for the emulated backend, runs them as they are).
#ifdef __CUDACC__
#define LEUKO_HOST_DEVICE __host__ __device__
#else
#define LEUKO_HOST_DEVICE
#endif

namespace leuko {

// ---- convolution (kernels/{cpu,cuda}/conv2d, conv_transpose2d, conv_batch_norm_relu) -----

// One 2-D convolution (cross-correlation, as PyTorch's conv2d) over a batch: the input grid,
// the kernel and the output grid. The output grid is given rather than derived, so that
// conv_transpose2d can describe the conv2d that maps its output back onto its input, with
// any output_padding (kernels/cpu/conv_transpose2d.h). The engine and the CPU kernels use
// ConvGeometry (int64_t); the CUDA kernels narrow it to int after checking that the sizes
// fit (32-bit index arithmetic is far cheaper on a GPU).
template <typename Index>
struct BasicConvGeometry {
  Index batch, channels, height, width;  // x [batch, channels, height, width]
  Index out_channels, kernel_h, kernel_w;
  Index stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w;
  Index out_h, out_w;  // y [batch, out_channels, out_h, out_w]

  LEUKO_HOST_DEVICE Index taps() const { return kernel_h * kernel_w; }
  LEUKO_HOST_DEVICE Index positions() const { return out_h * out_w; }  // per output plane
  // im2col's column matrix of one image is [column_rows(), positions()].
  LEUKO_HOST_DEVICE Index column_rows() const { return channels * taps(); }
  // A 1x1 kernel at stride 1 without padding reads the image itself as its column matrix.
  bool is_pointwise() const {
    return kernel_h == 1 && kernel_w == 1 && stride_h == 1 && stride_w == 1 && pad_h == 0 &&
           pad_w == 0 && out_h == height && out_w == width;
  }
};
using ConvGeometry = BasicConvGeometry<int64_t>;

// ---- elementwise (kernels/{cpu,cuda}/elementwise) ---------------------------------------

enum class BinaryOp { add, sub, mul, div };

// ---- pool (kernels/{cpu,cuda}/pool) -----------------------------------------------------

// The geometry of one pooling call. out_h/out_w come from the op (ceil_mode lives there),
// which also guarantees that every window overlaps the input (so no divisor is 0).
struct Pool2dShape {
  int64_t planes;  // N * C
  int64_t in_h, in_w;
  int64_t out_h, out_w;
  int64_t kernel_h, kernel_w;
  int64_t stride_h, stride_w;
  int64_t pad_h, pad_w;
};

// ---- optimizer steps (kernels/{cpu,cuda}/{sgd,adam,rmsprop}) ----------------------------

// The caller computes derived scalars such as 1 - dampening in double, as PyTorch does, so
// they are rounded to float once.
struct SgdHyperparameters {
  float lr;
  float momentum;  // 0: plain SGD, no buffer
  float one_minus_dampening;
  float weight_decay;
  bool nesterov;
};

// The caller computes the derived scalars (1 - beta, bias corrections) in double, as PyTorch
// does, so each is rounded to float once.
struct AdamHyperparameters {
  float beta1, one_minus_beta1;
  float beta2, one_minus_beta2;
  float eps;
  float l2_weight_decay;        // Adam: added to the gradient as l2_weight_decay * param
  float decay_factor;           // AdamW: param *= 1 - lr * weight_decay first (1 for Adam)
  float step_size;              // lr / (1 - beta1^step)
  float bias_correction2_sqrt;  // sqrt(1 - beta2^step)
};

// The caller computes 1 - alpha in double, as PyTorch does, so it is rounded to float once.
struct RmspropHyperparameters {
  float lr, alpha, one_minus_alpha, eps;
  float weight_decay;  // coupled L2: added to the gradient as weight_decay * param
  float momentum;      // used only when momentum_buffer is given
};

}  // namespace leuko
