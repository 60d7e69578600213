// Concatenation along one dimension, seen as rows: with outer = the product of the sizes
// before `dim`, input i is a contiguous [outer, row_i] matrix (row_i = its size along dim
// times the product of the sizes after dim), and the output is [outer, sum of row_i].
//
// Declared for both CPU implementations (kernels/cpu/backends.h): leuko::cpu, the fast kernels in
// concat.cpp, and leuko::cpu::reference, the readable reference in concat_reference.cpp: one
// element at a time; no OpenMP, no memcpy.
#pragma once

#include <cstdint>

#include "kernels/cpu/backends.h"

LEUKO_CPU_BACKENDS(
    // out[r] = inputs[0][r] ++ inputs[1][r] ++ ... for every outer row r.
    void concat_forward(const float* const* inputs, const int64_t* row_sizes, int64_t count,
                        int64_t outer, float* out);

    // The adjoint: cuts each row of grad_out back into the inputs' pieces. grad_inputs[i] may be
    // null (that input needs no gradient).
    void concat_backward(const float* grad_out, const int64_t* row_sizes, int64_t count,
                         int64_t outer, float* const* grad_inputs);)
