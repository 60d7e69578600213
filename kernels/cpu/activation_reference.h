// The readable reference of the activations (activation.h): the same kernels, names and
// signatures, one element at a time in double with the C library's exp, expm1 and tanh
// (the fast kernels use their own vectorized exp); no OpenMP.
#pragma once

#include <cstdint>

namespace leuko::cpu::reference {

void relu_forward(const float* x, float* y, int64_t n);
void relu_backward(const float* y, const float* grad_y, float* grad_x, int64_t n);
void leaky_relu_forward(const float* x, float* y, int64_t n, float slope);
void leaky_relu_backward(const float* x, const float* grad_y, float* grad_x, int64_t n,
                         float slope);
void elu_forward(const float* x, float* y, int64_t n, float alpha);
void elu_backward(const float* y, const float* grad_y, float* grad_x, int64_t n, float alpha);
void sigmoid_forward(const float* x, float* y, int64_t n);
void sigmoid_backward(const float* y, const float* grad_y, float* grad_x, int64_t n);
void tanh_forward(const float* x, float* y, int64_t n);
void tanh_backward(const float* y, const float* grad_y, float* grad_x, int64_t n);

}  // namespace leuko::cpu::reference
