// Bias gradients on the device: the sum of the output gradient over everything but the
// channel (conv2d, conv_transpose2d: batch and positions; linear: the rows).
#pragma once

#include <cstdint>

#include "kernels/cuda/backends.h"

LEUKO_CUDA_BACKENDS(
    // out[c] = sum over n < batch, p < positions of x[(n * channels + c) * positions + p].
    // linear's bias gradient is the case positions == 1 (x [rows, channels]).
    void channel_sums(const float* x, float* out, int64_t batch, int64_t channels,
                      int64_t positions);)
