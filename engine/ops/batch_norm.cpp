// batch_norm: per-channel normalization of [N, C] or [N, C, H, W] input, with PyTorch's
// semantics. Training (or no running buffers) normalizes with the batch's statistics and
// moves the running buffers; eval uses the running buffers. The backward needs the input,
// the mean and inv_std used, and the weight, all saved here.
#include "engine/autograd.h"
#include "engine/device_kernels.h"
#include "engine/ops.h"
#include "engine/ops/batch_norm_checks.h"
#include "kernels/cpu/batch_norm.h"
#include "kernels/cuda/batch_norm.h"

namespace leuko {

// weight, bias and the running buffers, when given, are f32 vectors of the channel count.
static void check_channel_vector(const char* op, const Tensor& t, int64_t channels, const Tensor& x,
                                 const char* what) {
  if (!t.defined()) return;
  check_dtype(t, DType::f32, op, what);
  check_same_device(t, x, op);
  LEUKO_CHECK(t.shape() == Shape{channels}, op, ": ", what, " must have shape [", channels,
              "] (one value per channel of input ", to_string(x.shape()), "), got ",
              to_string(t.shape()));
}

void check_batch_norm_arguments(const char* op, const Tensor& x, const Tensor& weight,
                                const Tensor& bias, const Tensor& running_mean,
                                const Tensor& running_var, bool training) {
  check_dtype(x, DType::f32, op, "input");
  LEUKO_CHECK(x.dim() == 2 || x.dim() == 4, op,
              ": input must be 2-D [N, C] or 4-D [N, C, H, W], got shape ", to_string(x.shape()));
  const int64_t C = x.size(1);
  check_channel_vector(op, weight, C, x, "weight");
  check_channel_vector(op, bias, C, x, "bias");
  check_channel_vector(op, running_mean, C, x, "running_mean");
  check_channel_vector(op, running_var, C, x, "running_var");
  LEUKO_CHECK(running_mean.defined() == running_var.defined(), op,
              ": running_mean and running_var must be given together");
  LEUKO_CHECK(
      !running_mean.defined() || (running_mean.is_contiguous() && running_var.is_contiguous()), op,
      ": running buffers must be contiguous (they are updated in place)");
  const bool batch_stats = training || !running_mean.defined();
  const int64_t values_per_channel = x.size(0) * (x.dim() == 4 ? x.size(2) * x.size(3) : 1);
  LEUKO_CHECK(!batch_stats || values_per_channel > 1, op,
              ": expected more than 1 value per channel when training, got input ",
              to_string(x.shape()));
}

// Optional tensors reach the kernels as null pointers.
static float* data_or_null(const Tensor& t) { return t.defined() ? t.data<float>() : nullptr; }

Tensor batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias,
                  const Tensor& running_mean, const Tensor& running_var, bool training,
                  float momentum, float eps) {
  check_batch_norm_arguments("batch_norm", x, weight, bias, running_mean, running_var, training);
  const int64_t N = x.size(0), C = x.size(1);
  const int64_t S = x.dim() == 4 ? x.size(2) * x.size(3) : 1;

  const bool batch_stats = training || !running_mean.defined();

  const Tensor input = x.contiguous().detach();
  const Tensor w = weight.defined() ? weight.contiguous().detach() : Tensor();
  const Tensor b = bias.defined() ? bias.contiguous().detach() : Tensor();
  Tensor out = empty(x.shape(), DType::f32, x.device());
  Tensor mean = empty({C}, DType::f32, x.device());
  Tensor inv_std = empty({C}, DType::f32, x.device());
  if (batch_stats) {
    Tensor variance = empty({C}, DType::f32, x.device());
    LEUKO_DEVICE_KERNELS(batch_norm_forward_batch_stats)
        .on(x.device(), "batch_norm")(input.data<float>(), N, C, S, data_or_null(w),
                                      data_or_null(b), eps, out.data<float>(), mean.data<float>(),
                                      variance.data<float>(), inv_std.data<float>());
    if (running_mean.defined()) {
      LEUKO_DEVICE_KERNELS(batch_norm_update_running)
          .on(x.device(), "batch_norm")(mean.data<float>(), variance.data<float>(), C, N * S,
                                        momentum, running_mean.data<float>(),
                                        running_var.data<float>());
    }
  } else {
    mean.copy_(running_mean);  // a copy: a later training step may move the buffers in place
    LEUKO_DEVICE_KERNELS(batch_norm_forward_fixed_stats)
        .on(x.device(), "batch_norm")(input.data<float>(), N, C, S, mean.data<float>(),
                                      running_var.data<float>(), data_or_null(w), data_or_null(b),
                                      eps, out.data<float>(), inv_std.data<float>());
  }

  // Which gradients are wanted is known now: the closure keeps flags, not the inputs.
  const bool want_x = x.requires_grad();
  const bool want_weight = weight.defined() && weight.requires_grad();
  const bool want_bias = bias.defined() && bias.requires_grad();
  auto backward = [=](const Tensor& grad_out) -> std::vector<Tensor> {
    const Tensor g = grad_out.contiguous();
    Tensor grad_x = want_x ? empty_like(input) : Tensor();
    Tensor grad_weight = want_weight ? empty({C}, DType::f32, input.device()) : Tensor();
    Tensor grad_bias = want_bias ? empty({C}, DType::f32, input.device()) : Tensor();
    LEUKO_DEVICE_KERNELS(batch_norm_backward)
        .on(input.device(), "batch_norm")(g.data<float>(), input.data<float>(), N, C, S,
                                          mean.data<float>(), inv_std.data<float>(),
                                          data_or_null(w), batch_stats, data_or_null(grad_x),
                                          data_or_null(grad_weight), data_or_null(grad_bias));
    return {grad_x, grad_weight, grad_bias};
  };
  return record(out, "batch_norm", {x, weight, bias}, backward);
}

}  // namespace leuko
