// conv_batch_norm_relu: relu(batch_norm(conv2d(x)) [+ residual]) as one op, with batch_norm's
// semantics (training normalizes with the batch's statistics and moves the running buffers;
// eval, or no running buffers given, as batch_norm decides, uses them).
//
// How each device runs it:
//   CPU       the composition of the ops it fuses: conv2d, then batch_norm_relu (the fused
//             CPU kernels: normalize, add the residual and rectify in one pass).
//   CUDA      one autograd node over the project's implicit-GEMM kernels, on Device::cuda as
//             on Device::cuda_emu (even where conv2d itself would run cuDNN, see
//             engine/cuda_selected.h): the fusion lives in the GEMM's epilogue.
//     training  conv2d_forward_batch_stats writes the conv output z and gathers the channels'
//               mean and variance on the way; batch_norm_update_running moves the buffers;
//               bn_relu_forward normalizes, adds the residual and rectifies in one pass.
//               Backward: bn_relu_backward gives the gradients of z, bn_weight, bn_bias and
//               the residual; the convolution's backward products give those of x and the
//               conv weight (cuDNN's on a real GPU when selected: engine/cuda_selected.h),
//               channel_sums that of the conv bias.
//     eval      batch norm is folded into the weights (fold_batch_norm) and the ReLU runs in
//               the conv epilogue, one pass in all; with a residual the conv writes the folded
//               pre-activation and add_relu adds the skip and rectifies. Backward:
//               the ReLU mask, the conv backward with the folded weights, and
//               fold_batch_norm_backward maps the folded gradients back to the parameters.
#include <string>

#include "engine/autograd.h"
#include "engine/cuda_selected.h"
#include "engine/device_kernels.h"
#include "engine/flop_count.h"
#include "engine/ops.h"
#include "engine/ops/conv_checks.h"
#include "kernels/cuda/activation.h"
#include "kernels/cuda/add_relu.h"
#include "kernels/cuda/batch_norm.h"
#include "kernels/cuda/batch_norm_relu.h"
#include "kernels/cuda/bias_grad.h"
#include "kernels/cuda/conv2d.h"
#include "kernels/cuda/conv_batch_norm_relu.h"

namespace leuko {

static constexpr const char* kOp = "conv_batch_norm_relu";

// The convolution's backward products, as conv2d runs them on a GPU (the CPU runs conv2d
// itself, see the op below).
constexpr DeviceKernels<decltype(&cuda_emu::conv2d_backward_input)> kConvBackwardInput{
    nullptr, LEUKO_REAL_CUDA(&cuda_selected::conv2d_backward_input),
    &cuda_emu::conv2d_backward_input};
constexpr DeviceKernels<decltype(&cuda_emu::conv2d_backward_weight)> kConvBackwardWeight{
    nullptr, LEUKO_REAL_CUDA(&cuda_selected::conv2d_backward_weight),
    &cuda_emu::conv2d_backward_weight};

static float* data_or_null(const Tensor& t) { return t.defined() ? t.data<float>() : nullptr; }

static Tensor detached_or_undefined(const Tensor& t) {
  return t.defined() ? t.detach().contiguous() : Tensor();
}

static bool wants_grad(const Tensor& t) { return t.defined() && t.requires_grad(); }

// A per-output-channel vector (conv bias, bn weight and bias, running buffers), when given.
static void check_channel_vector(const Tensor& t, int64_t channels, const Tensor& x,
                                 const char* what) {
  if (!t.defined()) return;
  check_dtype(t, DType::f32, kOp, what);
  check_same_device(t, x, kOp);
  LEUKO_CHECK(t.shape() == Shape{channels}, kOp, ": ", what, " must have shape [", channels,
              "] (one value per output channel of the convolution), got ", to_string(t.shape()));
}

// Checks every argument and returns the convolution's geometry.
static ConvGeometry checked_geometry(const Tensor& x, const Tensor& conv_weight,
                                     const Tensor& conv_bias, const Tensor& bn_weight,
                                     const Tensor& bn_bias, const Tensor& running_mean,
                                     const Tensor& running_var, Size2 stride, Size2 padding,
                                     bool batch_stats, const Tensor& residual) {
  check_conv_arguments(kOp, x, conv_weight, {"conv_weight", "[out, in, kh, kw]", 1}, stride,
                       padding, 1);
  const ConvGeometry p = conv2d_geometry(kOp, x.shape(), conv_weight.shape(), stride, padding, 1);
  const int64_t O = p.out_channels;
  check_channel_vector(conv_bias, O, x, "conv_bias");
  check_channel_vector(bn_weight, O, x, "bn_weight");
  check_channel_vector(bn_bias, O, x, "bn_bias");
  check_channel_vector(running_mean, O, x, "running_mean");
  check_channel_vector(running_var, O, x, "running_var");
  LEUKO_CHECK(running_mean.defined() == running_var.defined(), kOp,
              ": running_mean and running_var must be given together");
  LEUKO_CHECK(
      !running_mean.defined() || (running_mean.is_contiguous() && running_var.is_contiguous()), kOp,
      ": running buffers must be contiguous (they are updated in place)");
  const Shape out_shape{p.batch, O, p.out_h, p.out_w};
  LEUKO_CHECK(!batch_stats || p.batch * p.out_h * p.out_w > 1, kOp,
              ": expected more than 1 value per channel when training, got convolution output ",
              to_string(out_shape));
  if (residual.defined()) {
    check_dtype(residual, DType::f32, kOp, "residual");
    check_same_device(residual, x, kOp);
    LEUKO_CHECK(residual.shape() == out_shape, kOp,
                ": residual must have the convolution's "
                "output shape ",
                to_string(out_shape), ", got ", to_string(residual.shape()));
  }
  return p;
}

// Training on a CUDA device: statistics from the conv epilogue, one normalize pass.
static Tensor cuda_training(const Tensor& x, const Tensor& conv_weight, const Tensor& conv_bias,
                            const Tensor& bn_weight, const Tensor& bn_bias,
                            const Tensor& running_mean, const Tensor& running_var, float momentum,
                            float eps, const Tensor& residual, const ConvGeometry& p) {
  const Device device = x.device();
  const int64_t N = p.batch, O = p.out_channels, S = p.out_h * p.out_w;
  const Tensor input = x.detach().contiguous(), filters = conv_weight.detach().contiguous();
  const Tensor shift = detached_or_undefined(conv_bias), gamma = detached_or_undefined(bn_weight);
  const Tensor beta = detached_or_undefined(bn_bias), skip = detached_or_undefined(residual);
  Tensor z = empty({N, O, p.out_h, p.out_w}, DType::f32, device);  // the conv output
  Tensor mean = empty({O}, DType::f32, device), variance = empty({O}, DType::f32, device);
  Tensor inv_std = empty({O}, DType::f32, device);
  LEUKO_CUDA_KERNELS(conv2d_forward_batch_stats)
      .on(device, kOp)(input.data<float>(), filters.data<float>(), data_or_null(shift), eps,
                       z.data<float>(), mean.data<float>(), variance.data<float>(),
                       inv_std.data<float>(), p);
  if (running_mean.defined()) {
    LEUKO_CUDA_KERNELS(batch_norm_update_running)
        .on(device, kOp)(mean.data<float>(), variance.data<float>(), O, N * S, momentum,
                         running_mean.data<float>(), running_var.data<float>());
  }
  Tensor out = empty(z.shape(), DType::f32, device);
  LEUKO_CUDA_KERNELS(bn_relu_forward)
      .on(device, kOp)(z.data<float>(), N, O, S, mean.data<float>(), inv_std.data<float>(),
                       data_or_null(gamma), data_or_null(beta), data_or_null(skip),
                       out.data<float>());

  const bool want_x = x.requires_grad(), want_weight = conv_weight.requires_grad();
  const bool want_shift = wants_grad(conv_bias), want_gamma = wants_grad(bn_weight);
  const bool want_beta = wants_grad(bn_bias), want_skip = wants_grad(residual);
  const Tensor y = out.detach();  // the ReLU mask for the backward (not `out`: it owns the node)
  auto backward = [=](const Tensor& grad_out) -> std::vector<Tensor> {
    const Tensor g = grad_out.contiguous();
    const bool want_z = want_x || want_weight || want_shift;
    Tensor grad_z = want_z ? empty_like(z) : Tensor();
    // bn_relu_backward always writes both per-channel sums.
    Tensor grad_gamma = empty({O}, DType::f32, device), grad_beta = empty({O}, DType::f32, device);
    Tensor grad_skip = want_skip ? empty_like(z) : Tensor();
    LEUKO_CUDA_KERNELS(bn_relu_backward)
        .on(device, kOp)(g.data<float>(), z.data<float>(), y.data<float>(), N, O, S,
                         mean.data<float>(), inv_std.data<float>(), data_or_null(gamma),
                         data_or_null(grad_z), grad_gamma.data<float>(), grad_beta.data<float>(),
                         data_or_null(grad_skip));
    Tensor grad_x, grad_weight, grad_shift;
    if (want_x) {
      grad_x = empty_like(input);
      kConvBackwardInput.on(device, kOp)(grad_z.data<float>(), filters.data<float>(), nullptr,
                                         grad_x.data<float>(), p);
    }
    if (want_weight) {
      grad_weight = empty_like(filters);
      kConvBackwardWeight.on(device, kOp)(grad_z.data<float>(), input.data<float>(),
                                          grad_weight.data<float>(), p);
    }
    if (want_shift) {
      grad_shift = empty({O}, DType::f32, device);
      LEUKO_CUDA_KERNELS(channel_sums)
          .on(device, kOp)(grad_z.data<float>(), grad_shift.data<float>(), N, O, S);
    }
    return {grad_x,
            grad_weight,
            grad_shift,
            want_gamma ? grad_gamma : Tensor(),
            want_beta ? grad_beta : Tensor(),
            grad_skip};
  };
  return record(out, kOp, {x, conv_weight, conv_bias, bn_weight, bn_bias, residual}, backward);
}

// Eval on a CUDA device: batch norm folded into the convolution.
static Tensor cuda_eval(const Tensor& x, const Tensor& conv_weight, const Tensor& conv_bias,
                        const Tensor& bn_weight, const Tensor& bn_bias, const Tensor& running_mean,
                        const Tensor& running_var, float eps, const Tensor& residual,
                        const ConvGeometry& p) {
  const Device device = x.device();
  const int64_t O = p.out_channels, S = p.out_h * p.out_w;
  const Tensor input = x.detach().contiguous(), filters = conv_weight.detach().contiguous();
  const Tensor shift = detached_or_undefined(conv_bias), gamma = detached_or_undefined(bn_weight);
  const Tensor beta = detached_or_undefined(bn_bias), skip = detached_or_undefined(residual);
  // Copies: a later training step moves the running buffers in place.
  const Tensor mean = running_mean.clone(), var = running_var.clone();
  Tensor folded_weight = empty_like(filters), folded_bias = empty({O}, DType::f32, device);
  LEUKO_CUDA_KERNELS(fold_batch_norm)
      .on(device, kOp)(filters.data<float>(), data_or_null(shift), data_or_null(gamma),
                       data_or_null(beta), mean.data<float>(), var.data<float>(), eps,
                       folded_weight.data<float>(), folded_bias.data<float>(), p);
  Tensor out = empty({p.batch, O, p.out_h, p.out_w}, DType::f32, device);
  if (!skip.defined()) {
    LEUKO_CUDA_KERNELS(conv2d_relu_forward)
        .on(device, kOp)(input.data<float>(), folded_weight.data<float>(),
                         folded_bias.data<float>(), out.data<float>(), p);
  } else {  // the folded pre-activation, then out = relu(out + residual) in place
    LEUKO_CUDA_KERNELS(conv2d_forward)
        .on(device, kOp)(input.data<float>(), folded_weight.data<float>(),
                         folded_bias.data<float>(), out.data<float>(), p);
    LEUKO_CUDA_KERNELS(add_relu_forward)
        .on(device, kOp)(out.data<float>(), skip.data<float>(), out.numel(), out.data<float>());
  }

  const bool want_x = x.requires_grad(), want_weight = conv_weight.requires_grad();
  const bool want_shift = wants_grad(conv_bias), want_gamma = wants_grad(bn_weight);
  const bool want_beta = wants_grad(bn_bias), want_skip = wants_grad(residual);
  const Tensor y = out.detach();
  auto backward = [=](const Tensor& grad_out) -> std::vector<Tensor> {
    const Tensor g = grad_out.contiguous();
    // The gradient of the folded pre-activation (and of the residual): dy where y > 0.
    Tensor grad_pre = empty_like(y);
    LEUKO_CUDA_KERNELS(relu_backward)
        .on(device, kOp)(y.data<float>(), g.data<float>(), grad_pre.data<float>(), y.numel());
    Tensor grad_x, grad_weight, grad_shift, grad_gamma, grad_beta;
    if (want_x) {
      grad_x = empty_like(input);
      kConvBackwardInput.on(device, kOp)(grad_pre.data<float>(), folded_weight.data<float>(),
                                         nullptr, grad_x.data<float>(), p);
    }
    if (want_weight || want_shift || want_gamma || want_beta) {
      Tensor grad_folded_weight = empty_like(filters);
      Tensor grad_folded_bias = empty({O}, DType::f32, device);
      kConvBackwardWeight.on(device, kOp)(grad_pre.data<float>(), input.data<float>(),
                                          grad_folded_weight.data<float>(), p);
      LEUKO_CUDA_KERNELS(channel_sums)
          .on(device, kOp)(grad_pre.data<float>(), grad_folded_bias.data<float>(), p.batch, O, S);
      if (want_weight) grad_weight = empty_like(filters);
      if (want_shift) grad_shift = empty({O}, DType::f32, device);
      if (want_gamma) grad_gamma = empty({O}, DType::f32, device);
      if (want_beta) grad_beta = empty({O}, DType::f32, device);
      LEUKO_CUDA_KERNELS(fold_batch_norm_backward)
          .on(device, kOp)(grad_folded_weight.data<float>(), grad_folded_bias.data<float>(),
                           filters.data<float>(), data_or_null(shift), data_or_null(gamma),
                           mean.data<float>(), var.data<float>(), eps, data_or_null(grad_weight),
                           data_or_null(grad_shift), data_or_null(grad_gamma),
                           data_or_null(grad_beta), p);
    }
    return {grad_x,     grad_weight, grad_shift,
            grad_gamma, grad_beta,   want_skip ? grad_pre : Tensor()};
  };
  return record(out, kOp, {x, conv_weight, conv_bias, bn_weight, bn_bias, residual}, backward);
}

// How each device runs the op (see the top of this file), as the entries of one table: the
// CPU composes the ops it fuses, a CUDA device runs one node over the fused kernels.
static Tensor cpu_composition(const Tensor& x, const Tensor& conv_weight, const Tensor& conv_bias,
                              const Tensor& bn_weight, const Tensor& bn_bias,
                              const Tensor& running_mean, const Tensor& running_var, Size2 stride,
                              Size2 padding, bool training, float momentum, float eps,
                              const Tensor& residual, const ConvGeometry&) {
  const Tensor z = conv2d(x, conv_weight, conv_bias, stride, padding);
  return batch_norm_relu(z, bn_weight, bn_bias, running_mean, running_var, training, momentum, eps,
                         residual);
}

static Tensor cuda_fused(const Tensor& x, const Tensor& conv_weight, const Tensor& conv_bias,
                         const Tensor& bn_weight, const Tensor& bn_bias, const Tensor& running_mean,
                         const Tensor& running_var, Size2, Size2, bool training, float momentum,
                         float eps, const Tensor& residual, const ConvGeometry& p) {
  add_flops(conv_flops(p));                   // the CPU's composition counts in its conv2d
  if (training || !running_mean.defined()) {  // batch statistics
    return cuda_training(x, conv_weight, conv_bias, bn_weight, bn_bias, running_mean, running_var,
                         momentum, eps, residual, p);
  }
  return cuda_eval(x, conv_weight, conv_bias, bn_weight, bn_bias, running_mean, running_var, eps,
                   residual, p);
}

constexpr DeviceKernels<decltype(&cpu_composition)> kImplementations{
    &cpu_composition, LEUKO_REAL_CUDA(&cuda_fused), &cuda_fused};

Tensor conv_batch_norm_relu(const Tensor& x, const Tensor& conv_weight, const Tensor& conv_bias,
                            const Tensor& bn_weight, const Tensor& bn_bias,
                            const Tensor& running_mean, const Tensor& running_var, Size2 stride,
                            Size2 padding, bool training, float momentum, float eps,
                            const Tensor& residual) {
  const bool batch_stats = training || !running_mean.defined();
  const ConvGeometry p =
      checked_geometry(x, conv_weight, conv_bias, bn_weight, bn_bias, running_mean, running_var,
                       stride, padding, batch_stats, residual);
  return kImplementations.on(x.device(), kOp)(x, conv_weight, conv_bias, bn_weight, bn_bias,
                                              running_mean, running_var, stride, padding, training,
                                              momentum, eps, residual, p);
}

}  // namespace leuko
