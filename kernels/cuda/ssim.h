// SSIM of two image batches on the GPU, the same definition as kernels/cpu/ssim.h
// (pytorch_msssim's defaults: 11-tap Gaussian window, sigma 1.5, valid filtering, K1 = 0.01,
// K2 = 0.03, the map averaged over every plane). Forward and backward; see ssim.cu.
#pragma once

#include <cstdint>

#include "kernels/cuda/backends.h"

LEUKO_CUDA_BACKENDS(
    // out[0] (one float on the device) = the mean SSIM over `planes` planes of height x width
    // floats each (height, width >= 11), or 1 - that mean when `as_loss` (formed in double, so
    // a loss near 0 keeps its digits).
    void ssim_forward(const float* x, const float* y, int64_t planes, int64_t height, int64_t width,
                      float data_range, bool as_loss, float* out);

    // grad_x = (grad_sign * grad_out[0]) * d(mean SSIM)/dx, and likewise grad_y; grad_out is
    // one float on the device (read by the kernel: no copy to the host). Either output may be
    // null when that gradient is not needed. Outputs are overwritten.
    void ssim_backward(const float* x, const float* y, int64_t planes, int64_t height,
                       int64_t width, float data_range, const float* grad_out, float grad_sign,
                       float* grad_x, float* grad_y);)
