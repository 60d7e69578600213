// Mean squared error on the GPU, forward and backward: loss = sum_i (p_i - t_i)^2 / n.
// Scalars stay on the device (loss written there, grad_loss read there), so a training
// step never waits for the GPU to copy a number back.
#pragma once

#include <cstdint>

#include "kernels/cuda/backends.h"

LEUKO_CUDA_BACKENDS(
    // prediction and target contiguous, n > 0; writes the mean to loss[0] (device).
    void mse_forward(const float* prediction, const float* target, int64_t n, float* loss);
    // grad_prediction = 2 (p - t) / n * grad_loss[0], grad_target its negation; either output
    // may be nullptr. grad_loss points to one float on the device.
    void mse_backward(const float* prediction, const float* target, int64_t n,
                      const float* grad_loss, float* grad_prediction, float* grad_target);)
