// The loops behind gradient clipping: norms of a gradient buffer, and in-place scaling and
// clamping of it (engine/optim/clip_grad.h applies them over all parameters).
//
// Declared for both CPU implementations (kernels/cpu/backends.h): leuko::cpu, the fast kernels in
// clip_grad.cpp, and leuko::cpu::reference, the readable reference in clip_grad_reference.cpp: one
// element at a time; no OpenMP, no fast paths for p = 1 and 2.
#pragma once

#include <cstdint>

#include "kernels/cpu/backends.h"

LEUKO_CPU_BACKENDS(
    // sum_i |x_i|^p, accumulated in double (p = 1 and 2 take fast paths).
    double sum_abs_pow(const float* x, int64_t n, double p);
    // max_i |x_i| (0 for n == 0); NaN if any element is NaN.
    float max_abs(const float* x, int64_t n);
    // x *= factor.
    void scale_inplace(float* x, int64_t n, float factor);
    // x = min(max(x, -limit), limit); NaN stays NaN (as torch.clamp), so it is not hidden.
    void clamp_inplace(float* x, int64_t n, float limit);)
