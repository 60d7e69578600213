// The loops behind gradient clipping on the GPU: the norm of all gradient buffers together,
// and in-place scaling and clamping of one buffer (engine/optim/clip_grad.h applies them).
#pragma once

#include <cstdint>

#include "kernels/cuda/backends.h"

LEUKO_CUDA_BACKENDS(
    // *total (on the host) = sum over the `count` device buffers buffers[k] (sizes[k] floats
    // each; the two arrays on the host) of sum_i |x_i|^p, accumulated in double.
    void clip_grad_sum_abs_pow(const float* const* buffers, const int64_t* sizes, int64_t count,
                               double p, double* total);
    // *largest (on the host) = max |x_i| over the same buffers (0 when all are empty); NaN if
    // any element is NaN.
    void clip_grad_max_abs(const float* const* buffers, const int64_t* sizes, int64_t count,
                           float* largest);
    // x *= factor.
    void clip_grad_scale(float* x, int64_t n, float factor);
    // x = min(max(x, -limit), limit); NaN stays NaN (as torch.clamp).
    void clip_grad_clamp(float* x, int64_t n, float limit);)
