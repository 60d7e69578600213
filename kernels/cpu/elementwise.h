// Binary elementwise ops with broadcasting. Inputs are addressed through strides where a
// broadcast dimension has stride 0, so one routine serves same-shape and broadcast cases.
//
// Declared for both CPU implementations (kernels/cpu/backends.h): leuko::cpu, the fast kernels in
// elementwise.cpp, and leuko::cpu::reference, the readable reference in elementwise_reference.cpp:
// one output element at a time; no OpenMP.
#pragma once

#include <cstdint>

#include "kernels/cpu/backends.h"
#include "kernels/op_params.h"

LEUKO_CPU_BACKENDS(
    // out[i] = a[i] (op) b[i] over `shape` (row-major, out contiguous).
    void binary_forward(BinaryOp op, const float* a, const int64_t* a_strides, const float* b,
                        const int64_t* b_strides, float* out, const int64_t* shape, int ndim);

    // y = x * scale + shift, elementwise: the scalar forms of add/sub/mul/neg and their backward.
    void affine_forward(const float* x, float* y, int64_t n, float scale, float shift);)
