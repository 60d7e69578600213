// mse_loss(prediction, target): mean of squared differences over all elements, a 0-d
// tensor. Shapes must match exactly (no broadcasting: a silently broadcast target is a
// classic bug). Both inputs may receive gradients (e.g. comparing two networks' outputs).
#include "kernels/cpu/mse.h"

#include "engine/autograd.h"
#include "engine/device_kernels.h"
#include "engine/ops.h"
#include "kernels/cuda/mse.h"

namespace leuko {

static Tensor dense(const Tensor& t) { return t.is_contiguous() ? t : t.clone(); }

// The GPU kernels read and write the scalars (the loss, its incoming gradient) in device
// memory, so that a training step never waits for a copy back; on the CPU that memory is the
// host's, and these adapters give the CPU kernels the same signatures.
static void cpu_forward(const float* prediction, const float* target, int64_t n, float* loss) {
  *loss = cpu::mse_forward(prediction, target, n);
}
static void cpu_backward(const float* prediction, const float* target, int64_t n,
                         const float* grad_loss, float* grad_prediction, float* grad_target) {
  cpu::mse_backward(prediction, target, n, *grad_loss, grad_prediction, grad_target);
}

constexpr DeviceKernels<decltype(&cpu_forward)> kForward{
    &cpu_forward, LEUKO_REAL_CUDA(&cuda::mse_forward), &cuda_emu::mse_forward};
constexpr DeviceKernels<decltype(&cpu_backward)> kBackward{
    &cpu_backward, LEUKO_REAL_CUDA(&cuda::mse_backward), &cuda_emu::mse_backward};

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
  Tensor loss = empty({}, DType::f32, p.device());
  kForward.on(p.device(), "mse_loss")(p.data<float>(), t.data<float>(), p.numel(),
                                      loss.data<float>());
  const bool need_p = prediction.requires_grad(), need_t = target.requires_grad();
  return record(loss, "mse_loss", {prediction, target},
                [p, t, need_p, need_t](const Tensor& grad_loss) -> std::vector<Tensor> {
                  Tensor grad_p = need_p ? empty_like(p) : Tensor();
                  Tensor grad_t = need_t ? empty_like(t) : Tensor();
                  float* gp = grad_p.defined() ? grad_p.data<float>() : nullptr;
                  float* gt = grad_t.defined() ? grad_t.data<float>() : nullptr;
                  const Tensor g = grad_loss.contiguous();  // one float, where the device reads it
                  kBackward.on(p.device(), "mse_loss")(p.data<float>(), t.data<float>(), p.numel(),
                                                       g.data<float>(), gp, gt);
                  return {grad_p, grad_t};
                });
}

}  // namespace leuko
