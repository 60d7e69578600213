// The residual block's merge, fused: y = relu(a + b), forward and backward, on n contiguous
// floats of device memory (a ResNet block's output = relu(branch + shortcut)).
#pragma once

#include <cstdint>

#include "kernels/cuda/backends.h"

LEUKO_CUDA_BACKENDS(void add_relu_forward(const float* a, const float* b, int64_t n, float* y);
                    // Both inputs get the same gradient, dy where the output was positive (y > 0),
                    // else 0; it is written once, to grad_ab, for the caller to give to a and to b.
                    void add_relu_backward(const float* grad_y, const float* y, int64_t n,
                                           float* grad_ab);)
