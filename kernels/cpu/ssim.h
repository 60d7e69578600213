// SSIM (structural similarity) of two image batches, as pytorch_msssim defines it at its
// defaults: an 11-tap Gaussian window (sigma 1.5, normalized), applied separably to each
// (sample, channel) plane with valid filtering, K1 = 0.01, K2 = 0.03, the map averaged over
// every plane. Forward and analytic backward; see ssim.cpp for the work split and cost.
//
// Declared for both CPU implementations (kernels/cpu/backends.h): leuko::cpu, the fast kernels in
// ssim.cpp, and leuko::cpu::reference, the readable reference in ssim_reference.cpp: with the 11x11
// window summed directly at every valid position, in double; no separable passes, no ring buffers,
// no OpenMP.
#pragma once

#include <cstdint>

#include "kernels/cpu/backends.h"

namespace leuko::cpu {

constexpr int kSsimWindow = 11;  // taps of the Gaussian window: maps are (H-10) x (W-10)

}  // namespace leuko::cpu

LEUKO_CPU_BACKENDS(
    // Mean SSIM over `planes` planes of height x width floats each (height, width >= 11),
    // returned in double so that 1 - SSIM keeps its digits when SSIM is close to 1.
    double ssim_forward(const float* x, const float* y, int64_t planes, int64_t height,
                        int64_t width, float data_range);

    // grad_x = grad_mean * d(mean SSIM)/dx, and likewise grad_y; either output may be null
    // when that gradient is not needed. Outputs are overwritten.
    void ssim_backward(const float* x, const float* y, int64_t planes, int64_t height,
                       int64_t width, float data_range, float grad_mean, float* grad_x,
                       float* grad_y);)
