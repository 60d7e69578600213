#include "engine/optim/clip_grad.h"

#include <algorithm>
#include <cmath>

#include "engine/device_kernels.h"
#include "engine/error.h"
#include "kernels/cpu/clip_grad.h"
#include "kernels/cuda/clip_grad.h"

namespace leuko::optim {

// The CPU kernels work on one buffer, the GPU's norms on all the gradients at once (a single
// wait for the device); these adapters give the CPU the GPU's signatures, buffer by buffer
// in order. A NaN anywhere makes the largest magnitude NaN.
static void cpu_max_abs(const float* const* buffers, const int64_t* sizes, int64_t count,
                        float* largest) {
  float result = 0.0f;
  for (int64_t k = 0; k < count && !std::isnan(result); ++k) {
    const float buffer_largest = cpu::max_abs(buffers[k], sizes[k]);
    result = std::isnan(buffer_largest) ? buffer_largest : std::max(result, buffer_largest);
  }
  *largest = result;
}
static void cpu_sum_abs_pow(const float* const* buffers, const int64_t* sizes, int64_t count,
                            double p, double* total) {
  double sum = 0.0;
  for (int64_t k = 0; k < count; ++k) sum += cpu::sum_abs_pow(buffers[k], sizes[k], p);
  *total = sum;
}

constexpr DeviceKernels<decltype(&cpu_max_abs)> kMaxAbs{
    &cpu_max_abs, LEUKO_REAL_CUDA(&cuda::clip_grad_max_abs), &cuda_emu::clip_grad_max_abs};
constexpr DeviceKernels<decltype(&cpu_sum_abs_pow)> kSumAbsPow{
    &cpu_sum_abs_pow, LEUKO_REAL_CUDA(&cuda::clip_grad_sum_abs_pow),
    &cuda_emu::clip_grad_sum_abs_pow};
constexpr DeviceKernels<decltype(&cpu::scale_inplace)> kScale{
    &cpu::scale_inplace, LEUKO_REAL_CUDA(&cuda::clip_grad_scale), &cuda_emu::clip_grad_scale};
constexpr DeviceKernels<decltype(&cpu::clamp_inplace)> kClamp{
    &cpu::clamp_inplace, LEUKO_REAL_CUDA(&cuda::clip_grad_clamp), &cuda_emu::clip_grad_clamp};

// The parameters' gradients, each made contiguous in place so it can be edited directly; all
// on one device, so that the norm is one reduction there.
static std::vector<Tensor> gradients(const std::vector<Tensor>& params, const char* op) {
  std::vector<Tensor> grads;
  for (const Tensor& param : params) {
    check_defined(param, op, "parameter");
    Tensor grad = param.grad();
    if (!grad.defined()) continue;
    check_dtype(grad, DType::f32, op, "gradient");
    if (!grads.empty()) check_same_device(grads.front(), grad, op);
    if (!grad.is_contiguous()) {
      grad = grad.clone();
      Tensor(param).set_grad(grad);
    }
    grads.push_back(grad);
  }
  return grads;
}

float clip_grad_norm_(const std::vector<Tensor>& params, double max_norm, double norm_type,
                      bool error_if_nonfinite) {
  const char* op = "clip_grad_norm_";
  LEUKO_CHECK(max_norm >= 0.0, op, ": max_norm must be >= 0, got ", max_norm);
  LEUKO_CHECK(norm_type > 0.0, op, ": norm_type must be > 0 (or kInfinityNorm), got ", norm_type);
  const std::vector<Tensor> grads = gradients(params, op);
  if (grads.empty()) return 0.0f;

  const Device device = grads.front().device();
  std::vector<const float*> buffers;
  std::vector<int64_t> sizes;
  for (const Tensor& g : grads) {
    buffers.push_back(g.data<float>());
    sizes.push_back(g.numel());
  }
  const int64_t count = static_cast<int64_t>(grads.size());
  double total_norm = 0.0;
  if (norm_type == kInfinityNorm) {
    float largest = 0.0f;
    kMaxAbs.on(device, op)(buffers.data(), sizes.data(), count, &largest);
    total_norm = largest;
  } else {
    kSumAbsPow.on(device, op)(buffers.data(), sizes.data(), count, norm_type, &total_norm);
  }
  if (norm_type != kInfinityNorm) total_norm = std::pow(total_norm, 1.0 / norm_type);
  LEUKO_CHECK(!error_if_nonfinite || std::isfinite(total_norm), op, ": the total ", norm_type,
              "-norm of the gradients is ", total_norm,
              ", so they cannot be clipped (a NaN "
              "or infinite loss upstream?)");
  // PyTorch multiplies even when the factor is 1, so a NaN norm reaches the gradients (std::min
  // returns its first argument when it is NaN).
  const float factor = static_cast<float>(std::min(max_norm / (total_norm + 1e-6), 1.0));
  for (const Tensor& g : grads) {
    kScale.on(device, op)(g.data<float>(), g.numel(), factor);
  }
  return static_cast<float>(total_norm);
}

void clip_grad_value_(const std::vector<Tensor>& params, double clip_value) {
  const char* op = "clip_grad_value_";
  LEUKO_CHECK(clip_value >= 0.0, op, ": clip_value must be >= 0, got ", clip_value);
  const float limit = static_cast<float>(clip_value);
  for (const Tensor& g : gradients(params, op)) {
    kClamp.on(g.device(), op)(g.data<float>(), g.numel(), limit);
  }
}

}  // namespace leuko::optim
