// batch_norm_relu: relu(batch_norm(x, ...) + residual) as one op (the residual optional),
// with batch_norm's semantics (training normalizes with the batch's statistics and moves the
// running buffers; eval uses them).
//
// CPU: one fused kernel each way (kernels/cpu/batch_norm_relu.h says why). Without a
// residual the backward keeps only the input and the per-channel statistics (the ReLU's mask
// is recomputed from x); with one it keeps the output too, for the mask.
// CUDA devices: the statistics come from batch_norm's kernels (kernels/cuda/batch_norm.cu),
// then one fused normalize+affine+residual+ReLU pass (kernels/cuda/batch_norm_relu.cu); the
// backward takes the mask from the saved output.
#include "kernels/cpu/batch_norm_relu.h"

#include "engine/autograd.h"
#include "engine/device_kernels.h"
#include "engine/ops.h"
#include "engine/ops/batch_norm_checks.h"
#include "kernels/cpu/batch_norm.h"
#include "kernels/cuda/add_relu.h"
#include "kernels/cuda/batch_norm.h"
#include "kernels/cuda/batch_norm_relu.h"

namespace leuko {

static float* data_or_null(const Tensor& t) { return t.defined() ? t.data<float>() : nullptr; }
static Tensor dense_or_none(const Tensor& t) {
  return t.defined() ? t.contiguous().detach() : Tensor();
}

// The shapes every pass works on: [N, C, S], S = H*W (1 for 2-D input).
struct Geometry {
  int64_t N, C, S;
};

// What the backward needs, whichever device ran the forward.
struct Saved {
  Tensor input, weight, bias, output;  // output: only where the mask is read from it
  Tensor mean, inv_std;                // the statistics the forward normalized with
  bool batch_stats;
};

// Which gradients the backward must produce; known at forward time.
struct Wanted {
  bool x, weight, bias, residual;
};

// ---- CPU ------------------------------------------------------------------------------------

static void forward_cpu(const Tensor& residual, const Tensor& running_mean,
                        const Tensor& running_var, float momentum, float eps, Geometry g,
                        Saved& saved, Tensor& out) {
  if (saved.batch_stats) {
    Tensor variance = empty({g.C}, DType::f32, Device::cpu);
    cpu::batch_norm_relu_forward_batch_stats(
        saved.input.data<float>(), g.N, g.C, g.S, data_or_null(saved.weight),
        data_or_null(saved.bias), data_or_null(residual), eps, out.data<float>(),
        saved.mean.data<float>(), variance.data<float>(), saved.inv_std.data<float>());
    if (running_mean.defined()) {
      cpu::batch_norm_update_running(saved.mean.data<float>(), variance.data<float>(), g.C,
                                     g.N * g.S, momentum, running_mean.data<float>(),
                                     running_var.data<float>());
    }
  } else {
    cpu::batch_norm_relu_forward_fixed_stats(
        saved.input.data<float>(), g.N, g.C, g.S, saved.mean.data<float>(),
        running_var.data<float>(), data_or_null(saved.weight), data_or_null(saved.bias),
        data_or_null(residual), eps, out.data<float>(), saved.inv_std.data<float>());
  }
}

static void backward_cpu(const Tensor& grad_y, const Saved& saved, Geometry g, const Tensor& grad_x,
                         const Tensor& grad_weight, const Tensor& grad_bias,
                         const Tensor& grad_residual) {
  cpu::batch_norm_relu_backward(
      grad_y.data<float>(), saved.input.data<float>(), data_or_null(saved.output), g.N, g.C, g.S,
      saved.mean.data<float>(), saved.inv_std.data<float>(), data_or_null(saved.weight),
      data_or_null(saved.bias), saved.batch_stats, data_or_null(grad_x), data_or_null(grad_weight),
      data_or_null(grad_bias), data_or_null(grad_residual));
}

// ---- CUDA devices ---------------------------------------------------------------------------

static void forward_gpu(const Tensor& residual, const Tensor& running_mean,
                        const Tensor& running_var, float momentum, float eps, Geometry g,
                        Saved& saved, Tensor& out) {
  const Device device = out.device();
  if (saved.batch_stats) {
    // batch_norm's training kernel gathers mean, variance and inv_std per channel; the
    // normalized values it also writes land in `out` and are overwritten by the fused pass.
    Tensor variance = empty({g.C}, DType::f32, device);
    LEUKO_CUDA_KERNELS(batch_norm_forward_batch_stats)
        .on(device, "batch_norm_relu")(saved.input.data<float>(), g.N, g.C, g.S, nullptr, nullptr,
                                       eps, out.data<float>(), saved.mean.data<float>(),
                                       variance.data<float>(), saved.inv_std.data<float>());
    if (running_mean.defined()) {
      LEUKO_CUDA_KERNELS(batch_norm_update_running)
          .on(device, "batch_norm_relu")(saved.mean.data<float>(), variance.data<float>(), g.C,
                                         g.N * g.S, momentum, running_mean.data<float>(),
                                         running_var.data<float>());
    }
  } else {
    // inv_std = 1 / sqrt(running_var + eps), on the device: batch_norm's eval kernel run over
    // the C running means as a one-row input [1, C, 1] computes it, for C values of work (the
    // normalized means it writes, all 0, are not needed).
    Tensor unused = empty({g.C}, DType::f32, device);
    LEUKO_CUDA_KERNELS(batch_norm_forward_fixed_stats)
        .on(device, "batch_norm_relu")(saved.mean.data<float>(), 1, g.C, 1,
                                       saved.mean.data<float>(), running_var.data<float>(), nullptr,
                                       nullptr, eps, unused.data<float>(),
                                       saved.inv_std.data<float>());
  }
  LEUKO_CUDA_KERNELS(bn_relu_forward)
      .on(device, "batch_norm_relu")(saved.input.data<float>(), g.N, g.C, g.S,
                                     saved.mean.data<float>(), saved.inv_std.data<float>(),
                                     data_or_null(saved.weight), data_or_null(saved.bias),
                                     data_or_null(residual), out.data<float>());
}

static void backward_gpu(const Tensor& grad_y, const Saved& saved, Geometry g, const Tensor& grad_x,
                         const Tensor& grad_weight, const Tensor& grad_bias,
                         const Tensor& grad_residual) {
  const Device device = grad_y.device();
  if (saved.batch_stats) {
    // bn_relu_backward folds the gradients of the batch mean and inv_std into grad_x, and
    // always writes the per-channel sums: scratch ones where they are not wanted.
    const Tensor sum_weight =
        grad_weight.defined() ? grad_weight : empty({g.C}, DType::f32, device);
    const Tensor sum_bias = grad_bias.defined() ? grad_bias : empty({g.C}, DType::f32, device);
    LEUKO_CUDA_KERNELS(bn_relu_backward)
        .on(device, "batch_norm_relu")(
            grad_y.data<float>(), saved.input.data<float>(), saved.output.data<float>(), g.N, g.C,
            g.S, saved.mean.data<float>(), saved.inv_std.data<float>(), data_or_null(saved.weight),
            data_or_null(grad_x), sum_weight.data<float>(), sum_bias.data<float>(),
            data_or_null(grad_residual));
    return;
  }
  // Fixed (running) statistics are constants, so bn_relu_backward's folded terms do not
  // apply: mask the gradient with the ReLU (the residual add's backward does exactly that,
  // and its result is the residual's gradient), then batch_norm's fixed-statistics backward.
  Tensor masked = grad_residual.defined() ? grad_residual : empty_like(grad_y);
  LEUKO_CUDA_KERNELS(add_relu_backward)
      .on(device, "batch_norm_relu")(grad_y.data<float>(), saved.output.data<float>(),
                                     grad_y.numel(), masked.data<float>());
  LEUKO_CUDA_KERNELS(batch_norm_backward)
      .on(device, "batch_norm_relu")(masked.data<float>(), saved.input.data<float>(), g.N, g.C, g.S,
                                     saved.mean.data<float>(), saved.inv_std.data<float>(),
                                     data_or_null(saved.weight), false, data_or_null(grad_x),
                                     data_or_null(grad_weight), data_or_null(grad_bias));
}

// ---- the op ---------------------------------------------------------------------------------

// The CPU runs its fused kernels; a GPU device (real or emulated) the kernels above.
constexpr DeviceKernels<decltype(&forward_cpu)> kForward{
    &forward_cpu, LEUKO_REAL_CUDA(&forward_gpu), &forward_gpu};
constexpr DeviceKernels<decltype(&backward_cpu)> kBackward{
    &backward_cpu, LEUKO_REAL_CUDA(&backward_gpu), &backward_gpu};

Tensor batch_norm_relu(const Tensor& x, const Tensor& weight, const Tensor& bias,
                       const Tensor& running_mean, const Tensor& running_var, bool training,
                       float momentum, float eps, const Tensor& residual) {
  check_batch_norm_arguments("batch_norm_relu", x, weight, bias, running_mean, running_var,
                             training);
  if (residual.defined()) {
    check_dtype(residual, DType::f32, "batch_norm_relu", "residual");
    check_same_device(residual, x, "batch_norm_relu");
    LEUKO_CHECK(residual.shape() == x.shape(),
                "batch_norm_relu: residual must have the input's shape ", to_string(x.shape()),
                ", got ", to_string(residual.shape()));
  }
  const Geometry g{x.size(0), x.size(1), x.dim() == 4 ? x.size(2) * x.size(3) : 1};
  const bool on_cpu = x.device() == Device::cpu;

  Saved saved;
  saved.batch_stats = training || !running_mean.defined();
  saved.input = x.contiguous().detach();
  saved.weight = dense_or_none(weight);
  saved.bias = dense_or_none(bias);
  saved.mean = empty({g.C}, DType::f32, x.device());
  saved.inv_std = empty({g.C}, DType::f32, x.device());
  // A copy: a later training step may move the running buffers in place.
  if (!saved.batch_stats) saved.mean.copy_(running_mean);
  const Tensor residual_values = dense_or_none(residual);
  Tensor out = empty(x.shape(), DType::f32, x.device());
  kForward.on(x.device(), "batch_norm_relu")(residual_values, running_mean, running_var, momentum,
                                             eps, g, saved, out);
  // Never `out` itself in the closure: it owns this node (see engine/autograd.h).
  if (!on_cpu || residual.defined()) saved.output = out.detach();

  const Wanted want{x.requires_grad(), weight.defined() && weight.requires_grad(),
                    bias.defined() && bias.requires_grad(),
                    residual.defined() && residual.requires_grad()};
  auto backward = [saved, g, want](const Tensor& grad_out) -> std::vector<Tensor> {
    const Tensor grad_y = grad_out.contiguous();
    const Device device = grad_y.device();
    const Tensor grad_x = want.x ? empty_like(saved.input) : Tensor();
    const Tensor grad_weight = want.weight ? empty({g.C}, DType::f32, device) : Tensor();
    const Tensor grad_bias = want.bias ? empty({g.C}, DType::f32, device) : Tensor();
    Tensor grad_residual = want.residual ? empty_like(saved.input) : Tensor();
    kBackward.on(device, "batch_norm_relu")(grad_y, saved, g, grad_x, grad_weight, grad_bias,
                                            grad_residual);
    return {grad_x, grad_weight, grad_bias, grad_residual};
  };
  return record(out, "batch_norm_relu", {x, weight, bias, residual}, backward);
}

}  // namespace leuko
