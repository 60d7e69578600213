// softmax and log_softmax along one dimension on the GPU, forward and backward. The same
// contract as kernels/cpu/softmax.h: a contiguous [outer, size, inner] array, the op runs
// along the middle axis.
#pragma once

#include <cstdint>

#include "kernels/cuda/backends.h"

LEUKO_CUDA_BACKENDS(void softmax_forward(const float* x, float* y, int64_t outer, int64_t size,
                                         int64_t inner);
                    void softmax_backward(const float* y, const float* grad_y, float* grad_x,
                                          int64_t outer, int64_t size, int64_t inner);
                    void log_softmax_forward(const float* x, float* y, int64_t outer, int64_t size,
                                             int64_t inner);
                    void log_softmax_backward(const float* y, const float* grad_y, float* grad_x,
                                              int64_t outer, int64_t size, int64_t inner);)
