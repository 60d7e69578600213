// The residual block's merge, fused: y = relu(a + b), forward and backward, on n contiguous
// floats. Both inputs receive the same gradient, grad_y where the output is positive.
//
// Declared for both CPU implementations (kernels/cpu/backends.h): leuko::cpu, the fast kernels in
// add_relu.cpp, and leuko::cpu::reference, the readable reference in add_relu_reference.cpp: one
// element at a time; no OpenMP.
#pragma once

#include <cstdint>

#include "kernels/cpu/backends.h"

LEUKO_CPU_BACKENDS(
    // y = max(a + b, 0).
    void add_relu_forward(const float* a, const float* b, int64_t n, float* y);

    // grad_ab = grad_y where y > 0, else 0 (y > 0 exactly where a + b > 0): the gradient of a
    // and of b alike, written once.
    void add_relu_backward(const float* grad_y, const float* y, int64_t n, float* grad_ab);)
