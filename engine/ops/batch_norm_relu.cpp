// batch_norm_relu: relu(batch_norm(x, ...)) as one op, with batch_norm's semantics (training
// normalizes with the batch's statistics and moves the running buffers; eval uses them) and
// one fused CPU kernel each way (kernels/cpu/batch_norm_relu.h says why). The backward keeps
// only the input and the per-channel statistics: the ReLU's mask is recomputed from x.
#include "kernels/cpu/batch_norm_relu.h"

#include "engine/autograd.h"
#include "engine/dispatch.h"
#include "engine/ops.h"
#include "engine/ops/batch_norm_checks.h"
#include "kernels/cpu/batch_norm.h"

namespace leuko {

static float* data_or_null(const Tensor& t) { return t.defined() ? t.data<float>() : nullptr; }

Tensor batch_norm_relu(const Tensor& x, const Tensor& weight, const Tensor& bias,
                       const Tensor& running_mean, const Tensor& running_var, bool training,
                       float momentum, float eps) {
  check_batch_norm_arguments("batch_norm_relu", x, weight, bias, running_mean, running_var,
                             training);
  const int64_t N = x.size(0), C = x.size(1);
  const int64_t S = x.dim() == 4 ? x.size(2) * x.size(3) : 1;
  // On the CUDA devices the op is the composition it fuses, run by the batch_norm and relu
  // kernels: same values, one pass more. (The fused CUDA kernel,
  // kernels/cuda/batch_norm_relu.cu, is tested on its own and not yet wired in here.)
  if (x.device() != Device::cpu) {
    return relu(batch_norm(x, weight, bias, running_mean, running_var, training, momentum, eps));
  }

  const bool batch_stats = training || !running_mean.defined();

  const Tensor input = x.contiguous().detach();
  const Tensor w = weight.defined() ? weight.contiguous().detach() : Tensor();
  const Tensor b = bias.defined() ? bias.contiguous().detach() : Tensor();
  Tensor out = empty(x.shape(), DType::f32, x.device());
  Tensor mean = empty({C}, DType::f32, x.device());
  Tensor inv_std = empty({C}, DType::f32, x.device());
  if (batch_stats) {
    Tensor variance = empty({C}, DType::f32, x.device());
    cpu::batch_norm_relu_forward_batch_stats(input.data<float>(), N, C, S, data_or_null(w),
                                             data_or_null(b), eps, out.data<float>(),
                                             mean.data<float>(), variance.data<float>(),
                                             inv_std.data<float>());
    if (running_mean.defined()) {
      cpu::batch_norm_update_running(mean.data<float>(), variance.data<float>(), C, N * S,
                                     momentum, running_mean.data<float>(),
                                     running_var.data<float>());
    }
  } else {
    mean.copy_(running_mean);  // a copy: a later training step may move the buffers in place
    cpu::batch_norm_relu_forward_fixed_stats(input.data<float>(), N, C, S, mean.data<float>(),
                                             running_var.data<float>(), data_or_null(w),
                                             data_or_null(b), eps, out.data<float>(),
                                             inv_std.data<float>());
  }

  const bool want_x = x.requires_grad();
  const bool want_weight = weight.defined() && weight.requires_grad();
  const bool want_bias = bias.defined() && bias.requires_grad();
  auto backward = [=](const Tensor& grad_out) -> std::vector<Tensor> {
    const Tensor g = grad_out.contiguous();
    Tensor grad_x = want_x ? empty_like(input) : Tensor();
    Tensor grad_weight = want_weight ? empty({C}, DType::f32, input.device()) : Tensor();
    Tensor grad_bias = want_bias ? empty({C}, DType::f32, input.device()) : Tensor();
    cpu::batch_norm_relu_backward(g.data<float>(), input.data<float>(), N, C, S,
                                  mean.data<float>(), inv_std.data<float>(), data_or_null(w),
                                  data_or_null(b), batch_stats, data_or_null(grad_x),
                                  data_or_null(grad_weight), data_or_null(grad_bias));
    return {grad_x, grad_weight, grad_bias};
  };
  return record(out, "batch_norm_relu", {x, weight, bias}, backward);
}

}  // namespace leuko
