// Inverted dropout on the GPU with the CPU's counter-based mask (kernels/cpu/dropout.h):
// the same (seed, p) drops the same elements on both devices.
#pragma once

#include <cstdint>

#include "kernels/cuda/backends.h"

LEUKO_CUDA_BACKENDS(
    // y[i] = keep(seed, i) ? x[i] / (1 - p) : 0, for 0 <= p < 1; n contiguous elements.
    void dropout_forward(const float* x, int64_t n, float p, uint64_t seed, float* y);
    // grad_x[i] = keep(seed, i) ? grad_y[i] / (1 - p) : 0: the forward's mask.
    void dropout_backward(const float* grad_y, int64_t n, float p, uint64_t seed, float* grad_x);)
