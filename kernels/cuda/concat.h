// Concatenation along one dimension on the GPU, forward and backward, seen as rows as in
// kernels/cpu/concat.h: input i is a contiguous [outer, row_i] matrix and the output is
// [outer, sum of row_i].
#pragma once

#include <cstdint>

#include "kernels/cuda/backends.h"

LEUKO_CUDA_BACKENDS(
    // `inputs` and `row_sizes` are host arrays of `count` entries; inputs[i] device pointers.
    void concat_forward(const float* const* inputs, const int64_t* row_sizes, int64_t count,
                        int64_t outer, float* out);
    // grad_inputs (host array of device pointers) may hold nullptr: that input needs no gradient.
    void concat_backward(const float* grad_out, const int64_t* row_sizes, int64_t count,
                         int64_t outer, float* const* grad_inputs);)
