// Sum over chosen dimensions. The input is read once in row-major order; the output index
// is advanced through strides that are 0 along reduced dimensions. Accumulates in double,
// so a long sum (a loss over a batch) keeps float32's full precision.
//
// Declared for both CPU implementations (kernels/cpu/backends.h): leuko::cpu, the fast kernels in
// reduce.cpp, and leuko::cpu::reference, the readable reference in reduce_reference.cpp: one input
// element at a time, sums in double.
#pragma once

#include <cstdint>

#include "kernels/cpu/backends.h"

LEUKO_CPU_BACKENDS(
    // out has the input's shape with reduced dims of size 1 (contiguous); `out_strides` are
    // that shape's strides with 0 on reduced dims. out is overwritten.
    void sum_forward(const float* x, const int64_t* shape, int ndim, const int64_t* out_strides,
                     float* out, int64_t out_numel);)
