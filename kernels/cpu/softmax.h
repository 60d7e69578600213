// softmax and log_softmax along one dimension, forward and backward. The tensor is seen as
// a contiguous [outer, size, inner] array and the op runs along the middle axis, so any
// dimension is handled in place, without transposing it to the end first.
//
// Declared for both CPU implementations (kernels/cpu/backends.h): leuko::cpu, the fast kernels in
// softmax.cpp, and leuko::cpu::reference, the readable reference in softmax_reference.cpp: one
// [size] line of the [outer, size, inner] array at a time, in double with the C library's exp and
// log; no OpenMP.
#pragma once

#include <cstdint>

#include "kernels/cpu/backends.h"

LEUKO_CPU_BACKENDS(
    // y = exp(x - max) / sum(exp(x - max)) along the axis.
    void softmax_forward(const float* x, float* y, int64_t outer, int64_t size, int64_t inner);
    // grad_x = y * (grad_y - sum(grad_y * y)) along the axis.
    void softmax_backward(const float* y, const float* grad_y, float* grad_x, int64_t outer,
                          int64_t size, int64_t inner);

    // y = x - max - log(sum(exp(x - max))) along the axis.
    void log_softmax_forward(const float* x, float* y, int64_t outer, int64_t size, int64_t inner);
    // grad_x = grad_y - exp(y) * sum(grad_y) along the axis.
    void log_softmax_backward(const float* y, const float* grad_y, float* grad_x, int64_t outer,
                              int64_t size, int64_t inner);)
