// The readable reference of the binary elementwise ops (elementwise.h): the same kernels,
// names and signatures, one output element at a time; no OpenMP.
#pragma once

#include <cstdint>

#include "kernels/op_params.h"

namespace leuko::cpu::reference {

void binary_forward(BinaryOp op, const float* a, const int64_t* a_strides, const float* b,
                    const int64_t* b_strides, float* out, const int64_t* shape, int ndim);
void affine_forward(const float* x, float* y, int64_t n, float scale, float shift);

}  // namespace leuko::cpu::reference
