// The readable reference of SSIM (ssim.h): the same kernels, names and signatures, with the
// 11x11 window summed directly at every valid position, in double; no separable passes, no
// ring buffers, no OpenMP.
#pragma once

#include <cstdint>

namespace leuko::cpu::reference {

double ssim_forward(const float* x, const float* y, int64_t planes, int64_t height, int64_t width,
                    float data_range);
void ssim_backward(const float* x, const float* y, int64_t planes, int64_t height, int64_t width,
                   float data_range, float grad_mean, float* grad_x, float* grad_y);

}  // namespace leuko::cpu::reference
