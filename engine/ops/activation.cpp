// relu, leaky_relu, elu, sigmoid, tanh: elementwise, so each op is "check, run the forward
// kernel over a contiguous buffer, record a backward kernel". Where the derivative is a
// function of the output (relu, sigmoid, tanh, elu) backward reads the saved output
// instead of recomputing anything, and the input need not be kept.
#include "kernels/cpu/activation.h"

#include "engine/autograd.h"
#include "engine/device_kernels.h"
#include "engine/ops.h"
#include "kernels/cuda/activation.h"

namespace leuko {

// x itself when its elements are already one dense block, else a dense copy (no history:
// only the values are read).
static Tensor dense(const Tensor& x) { return x.is_contiguous() ? x : x.clone(); }

static Tensor checked_input(const Tensor& x, const char* op) {
  check_dtype(x, DType::f32, op, "input");
  return dense(x);
}

// relu, sigmoid and tanh share one shape: y = f(x), and dy/dx is a function of y alone.
using ForwardKernel = void (*)(const float* x, float* y, int64_t n);
using BackwardFromOutputKernel = void (*)(const float* y, const float* grad_y, float* grad_x,
                                          int64_t n);

static Tensor activation_from_output(
    const Tensor& x, const char* op, const DeviceKernels<ForwardKernel>& forward_kernels,
    const DeviceKernels<BackwardFromOutputKernel>& backward_kernels) {
  const Tensor input = checked_input(x, op);
  const ForwardKernel forward = forward_kernels.on(x.device(), op);
  const BackwardFromOutputKernel backward = backward_kernels.on(x.device(), op);
  Tensor y = empty(x.shape(), DType::f32, x.device());
  forward(input.data<float>(), y.data<float>(), y.numel());
  const Tensor saved = y.detach();
  return record(y, op, {x}, [saved, backward](const Tensor& grad_y) -> std::vector<Tensor> {
    const Tensor g = dense(grad_y);
    Tensor grad_x = empty_like(saved);
    backward(saved.data<float>(), g.data<float>(), grad_x.data<float>(), g.numel());
    return {grad_x};
  });
}

Tensor relu(const Tensor& x) {
  return activation_from_output(x, "relu", LEUKO_DEVICE_KERNELS(relu_forward),
                                LEUKO_DEVICE_KERNELS(relu_backward));
}

Tensor sigmoid(const Tensor& x) {
  return activation_from_output(x, "sigmoid", LEUKO_DEVICE_KERNELS(sigmoid_forward),
                                LEUKO_DEVICE_KERNELS(sigmoid_backward));
}

Tensor tanh(const Tensor& x) {
  return activation_from_output(x, "tanh", LEUKO_DEVICE_KERNELS(tanh_forward),
                                LEUKO_DEVICE_KERNELS(tanh_backward));
}

Tensor leaky_relu(const Tensor& x, float negative_slope) {
  const Tensor input = checked_input(x, "leaky_relu");
  const auto forward = LEUKO_DEVICE_KERNELS(leaky_relu_forward).on(x.device(), "leaky_relu");
  const auto backward = LEUKO_DEVICE_KERNELS(leaky_relu_backward).on(x.device(), "leaky_relu");
  Tensor y = empty(x.shape(), DType::f32, x.device());
  forward(input.data<float>(), y.data<float>(), y.numel(), negative_slope);
  return record(y, "leaky_relu", {x},
                [input, negative_slope, backward](const Tensor& grad_y) -> std::vector<Tensor> {
                  const Tensor g = dense(grad_y);
                  Tensor grad_x = empty_like(input);
                  backward(input.data<float>(), g.data<float>(), grad_x.data<float>(), g.numel(),
                           negative_slope);
                  return {grad_x};
                });
}

Tensor elu(const Tensor& x, float alpha) {
  const Tensor input = checked_input(x, "elu");
  LEUKO_CHECK(alpha >= 0.0f, "elu: alpha must be >= 0, got ", alpha,
              " (backward reads the sign of x from the output, which needs alpha >= 0)");
  const auto forward = LEUKO_DEVICE_KERNELS(elu_forward).on(x.device(), "elu");
  const auto backward = LEUKO_DEVICE_KERNELS(elu_backward).on(x.device(), "elu");
  Tensor y = empty(x.shape(), DType::f32, x.device());
  forward(input.data<float>(), y.data<float>(), y.numel(), alpha);
  const Tensor saved = y.detach();  // only the output: the input can be freed
  return record(
      y, "elu", {x}, [saved, alpha, backward](const Tensor& grad_y) -> std::vector<Tensor> {
        const Tensor g = dense(grad_y);
        Tensor grad_x = empty_like(saved);
        backward(saved.data<float>(), g.data<float>(), grad_x.data<float>(), g.numel(), alpha);
        return {grad_x};
      });
}

}  // namespace leuko
