// Sum over chosen dimensions on the GPU; the same contract as kernels/cpu/reduce.h.
#pragma once

#include <cstdint>

#include "kernels/cuda/backends.h"

LEUKO_CUDA_BACKENDS(
    // x contiguous with `shape` (at most 8 dims, host array); out has x's shape with reduced
    // dims of size 1 (contiguous), `out_strides` (host array) are that shape's strides with 0
    // on the reduced dims. out is overwritten.
    void sum_forward(const float* x, const int64_t* shape, int ndim, const int64_t* out_strides,
                     float* out, int64_t out_numel);)
