// Elementwise activations, forward and backward: relu, leaky_relu, elu, sigmoid, tanh.
// All arrays are contiguous with n elements. Backward computes grad_x from grad_y and
// whichever of x (input) or y (saved output) makes the derivative cheapest.
//
// Declared for both CPU implementations (kernels/cpu/backends.h): leuko::cpu, the fast kernels in
// activation.cpp, and leuko::cpu::reference, the readable reference in activation_reference.cpp:
// one element at a time in double with the C library's exp, expm1 and tanh (the fast kernels use
// their own vectorized exp); no OpenMP.
#pragma once

#include <cstdint>

#include "kernels/cpu/backends.h"

LEUKO_CPU_BACKENDS(
    // y = max(x, 0); grad_x = grad_y where y > 0, else 0.
    void relu_forward(const float* x, float* y, int64_t n);
    void relu_backward(const float* y, const float* grad_y, float* grad_x, int64_t n);

    // y = x if x > 0 else slope * x; grad_x = grad_y or slope * grad_y by the sign of x.
    void leaky_relu_forward(const float* x, float* y, int64_t n, float slope);
    void leaky_relu_backward(const float* x, const float* grad_y, float* grad_x, int64_t n,
                             float slope);

    // y = x if x > 0 else alpha * (exp(x) - 1); for x <= 0, dy/dx = alpha * exp(x) = y + alpha.
    // With alpha >= 0, y > 0 exactly where x > 0, so backward needs only the output y.
    void elu_forward(const float* x, float* y, int64_t n, float alpha);
    void elu_backward(const float* y, const float* grad_y, float* grad_x, int64_t n, float alpha);

    // y = 1 / (1 + exp(-x)); dy/dx = y * (1 - y).
    void sigmoid_forward(const float* x, float* y, int64_t n);
    void sigmoid_backward(const float* y, const float* grad_y, float* grad_x, int64_t n);

    // y = tanh(x); dy/dx = 1 - y^2.
    void tanh_forward(const float* x, float* y, int64_t n);
    void tanh_backward(const float* y, const float* grad_y, float* grad_x, int64_t n);)
