// Elementwise activations on the GPU, forward and backward: relu, leaky_relu, elu, sigmoid,
// tanh. The same contract as kernels/cpu/activation.h: contiguous arrays of n elements.
#pragma once

#include <cstdint>

#include "kernels/cuda/backends.h"

LEUKO_CUDA_BACKENDS(
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
    void tanh_backward(const float* y, const float* grad_y, float* grad_x, int64_t n);)
