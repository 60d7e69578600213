// mse_loss(prediction, target): mean of squared differences over all elements, a 0-d
// tensor. Shapes must match exactly (no broadcasting: a silently broadcast target is a
// classic bug). Both inputs may receive gradients (e.g. comparing two networks' outputs).
#include "kernels/cpu/mse.h"

#include "engine/autograd.h"
#include "engine/dispatch.h"
#include "engine/ops.h"
#include "kernels/cuda/mse.h"

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
  const Tensor p = dense(prediction), t = dense(target);
  Tensor loss;
  if (p.device() == Device::cpu) {
    loss = scalar(cpu::mse_forward(p.data<float>(), t.data<float>(), p.numel()));
  } else {  // the GPU writes the loss into device memory: no copy back to the host
    loss = empty({}, DType::f32, p.device());
    LEUKO_CUDA_DISPATCH(p.device(), "mse_loss", mse_forward, p.data<float>(), t.data<float>(),
                        p.numel(), loss.data<float>());
  }
  const bool need_p = prediction.requires_grad(), need_t = target.requires_grad();
  return record(
      loss, "mse_loss", {prediction, target},
      [p, t, need_p, need_t](const Tensor& grad_loss) -> std::vector<Tensor> {
        Tensor grad_p = need_p ? empty_like(p) : Tensor();
        Tensor grad_t = need_t ? empty_like(t) : Tensor();
        float* gp = grad_p.defined() ? grad_p.data<float>() : nullptr;
        float* gt = grad_t.defined() ? grad_t.data<float>() : nullptr;
        if (p.device() == Device::cpu) {
          cpu::mse_backward(p.data<float>(), t.data<float>(), p.numel(), grad_loss.item(), gp, gt);
        } else {
          LEUKO_CUDA_DISPATCH(p.device(), "mse_loss", mse_backward, p.data<float>(),
                              t.data<float>(), p.numel(), grad_loss.data<float>(), gp, gt);
        }
        return {grad_p, grad_t};
      });
}

}  // namespace leuko
