// mse_loss(prediction, target): mean of squared differences over all elements, a 0-d
// tensor. Shapes must match exactly (no broadcasting: a silently broadcast target is a
// classic bug). Both inputs may receive gradients (e.g. comparing two networks' outputs).
#include "kernels/cpu/mse.h"

#include "engine/autograd.h"
#include "engine/dispatch.h"
#include "engine/ops.h"

namespace leuko {

static Tensor dense(const Tensor& t) { return t.is_contiguous() ? t : t.clone(); }

Tensor mse_loss(const Tensor& prediction, const Tensor& target) {
  check_dtype(prediction, DType::f32, "mse_loss", "prediction");
  check_dtype(target, DType::f32, "mse_loss", "target");
  LEUKO_CHECK(prediction.shape() == target.shape(), "mse_loss: prediction shape ",
              to_string(prediction.shape()), " and target shape ", to_string(target.shape()),
              " must be equal");
  LEUKO_CHECK(prediction.numel() > 0, "mse_loss: inputs are empty (shape ",
              to_string(prediction.shape()), "), the mean is undefined");
  check_same_device(prediction, target, "mse_loss");
  require_cpu(prediction, "mse_loss");
  const Tensor p = dense(prediction), t = dense(target);
  const float loss = cpu::mse_forward(p.data<float>(), t.data<float>(), p.numel());
  const bool need_p = prediction.requires_grad(), need_t = target.requires_grad();
  return record(scalar(loss, prediction.device()), "mse_loss", {prediction, target},
                [p, t, need_p, need_t](const Tensor& grad_loss) -> std::vector<Tensor> {
                  Tensor grad_p = need_p ? empty_like(p) : Tensor();
                  Tensor grad_t = need_t ? empty_like(t) : Tensor();
                  cpu::mse_backward(p.data<float>(), t.data<float>(), p.numel(), grad_loss.item(),
                                    grad_p.defined() ? grad_p.data<float>() : nullptr,
                                    grad_t.defined() ? grad_t.data<float>() : nullptr);
                  return {grad_p, grad_t};
                });
}

}  // namespace leuko
