// Binary elementwise ops with broadcasting, and the affine scalar form, on the GPU.
#pragma once

#include <cstdint>

#include "kernels/cuda/backends.h"
#include "kernels/op_params.h"

LEUKO_CUDA_BACKENDS(
    // out[i] = a[i] op b[i] over `shape` (row-major, out contiguous). a and b are addressed
    // through strides, 0 along broadcast dimensions. At most 8 dims.
    void binary_forward(BinaryOp op, const float* a, const int64_t* a_strides, const float* b,
                        const int64_t* b_strides, float* out, const int64_t* shape, int ndim);
    // y = x * scale + shift, elementwise over n contiguous values.
    void affine_forward(const float* x, float* y, int64_t n, float scale, float shift);)
