// ssim and ssim_loss: the mean structural similarity of two [N,C,H,W] batches (pytorch_msssim's
// definition, see kernels/cpu/ssim.cpp) and 1 - that mean. Both inputs may require grad.
#include <cmath>

#include "engine/autograd.h"
#include "engine/device_kernels.h"
#include "engine/ops.h"
#include "kernels/cpu/ssim.h"
#include "kernels/cuda/ssim.h"

namespace leuko {

// The GPU kernels write the result and read its incoming gradient in device memory (no copy
// back to the host in a training step); on the CPU that memory is the host's, and these
// adapters give the CPU kernels the same signatures.
static void cpu_forward(const float* x, const float* y, int64_t planes, int64_t height,
                        int64_t width, float data_range, bool as_loss, float* out) {
  const double mean = cpu::ssim_forward(x, y, planes, height, width, data_range);
  *out = static_cast<float>(as_loss ? 1.0 - mean : mean);
}
static void cpu_backward(const float* x, const float* y, int64_t planes, int64_t height,
                         int64_t width, float data_range, const float* grad_out, float grad_sign,
                         float* grad_x, float* grad_y) {
  cpu::ssim_backward(x, y, planes, height, width, data_range, grad_sign * *grad_out, grad_x,
                     grad_y);
}

constexpr DeviceKernels<decltype(&cpu_forward)> kForward{
    &cpu_forward, LEUKO_REAL_CUDA(&cuda::ssim_forward), &cuda_emu::ssim_forward};
constexpr DeviceKernels<decltype(&cpu_backward)> kBackward{
    &cpu_backward, LEUKO_REAL_CUDA(&cuda::ssim_backward), &cuda_emu::ssim_backward};

// `as_loss` selects 1 - SSIM. It is formed in double inside the op rather than by a later
// `1 - ssim` in float, because with data_range 255 the loss is ~1e-3 and float would round
// away most of its digits.
static Tensor ssim_op(const Tensor& x, const Tensor& y, float data_range, bool as_loss,
                      const char* name) {
  check_dim(x, 4, name, "x");
  check_dim(y, 4, name, "y");
  check_dtype(x, DType::f32, name, "x");
  check_dtype(y, DType::f32, name, "y");
  check_same_shape(x, y, name);
  check_same_device(x, y, name);
  const int64_t height = x.size(2), width = x.size(3);
  LEUKO_CHECK(height >= cpu::kSsimWindow && width >= cpu::kSsimWindow, name,
              ": images must be at least 11x11 for the 11-tap window, got ", height, "x", width);
  LEUKO_CHECK(data_range > 0.0f && std::isfinite(data_range), name,
              ": data_range must be positive and finite, got ", data_range);

  const Tensor xc = x.detach().contiguous();
  const Tensor yc = y.detach().contiguous();
  const int64_t planes = x.size(0) * x.size(1);
  const Device device = x.device();
  Tensor out = empty({}, DType::f32, device);
  kForward.on(device, name)(xc.data<float>(), yc.data<float>(), planes, height, width, data_range,
                            as_loss, out.data<float>());

  const bool need_x = x.requires_grad(), need_y = y.requires_grad();
  const float sign = as_loss ? -1.0f : 1.0f;
  return record(out, name, {x, y},
                [xc, yc, planes, height, width, data_range, need_x, need_y, sign, device,
                 name](const Tensor& grad_out) -> std::vector<Tensor> {
                  Tensor grad_x = need_x ? empty(xc.shape(), DType::f32, device) : Tensor();
                  Tensor grad_y = need_y ? empty(yc.shape(), DType::f32, device) : Tensor();
                  float* gx = need_x ? grad_x.data<float>() : nullptr;
                  float* gy = need_y ? grad_y.data<float>() : nullptr;
                  const Tensor g = grad_out.contiguous();  // one float on the device
                  kBackward.on(device, name)(xc.data<float>(), yc.data<float>(), planes, height,
                                             width, data_range, g.data<float>(), sign, gx, gy);
                  return {grad_x, grad_y};
                });
}

Tensor ssim(const Tensor& x, const Tensor& y, float data_range) {
  return ssim_op(x, y, data_range, false, "ssim");
}

Tensor ssim_loss(const Tensor& x, const Tensor& y, float data_range) {
  return ssim_op(x, y, data_range, true, "ssim_loss");
}

}  // namespace leuko
