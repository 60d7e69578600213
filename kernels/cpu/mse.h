// Mean squared error, forward and backward: loss = sum_i (p_i - t_i)^2 / n.
//
// Declared for both CPU implementations (kernels/cpu/backends.h): leuko::cpu, the fast kernels in
// mse.cpp, and leuko::cpu::reference, the readable reference in mse_reference.cpp: one element at a
// time, the sum in double; no OpenMP.
#pragma once

#include <cstdint>

#include "kernels/cpu/backends.h"

LEUKO_CPU_BACKENDS(
    // prediction and target contiguous with n > 0 elements.
    float mse_forward(const float* prediction, const float* target, int64_t n);

    // grad_prediction = 2 (p - t) / n * grad_loss and grad_target = its negation; either output
    // may be nullptr when that input needs no gradient.
    void mse_backward(const float* prediction, const float* target, int64_t n, float grad_loss,
                      float* grad_prediction, float* grad_target);)
