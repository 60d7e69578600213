// Strided gather/scatter between an n-dimensional view and a packed (row-major) buffer.
// Element-size generic: it moves bytes, so it serves float32 and int64 alike.
//
// Declared for both CPU implementations (kernels/cpu/backends.h): leuko::cpu, the fast kernels in
// copy.cpp, and leuko::cpu::reference, the readable reference in copy_reference.cpp: one element at
// a time.
#pragma once

#include <cstdint>

#include "kernels/cpu/backends.h"

LEUKO_CPU_BACKENDS(
    // packed[i] = view[view index of i], for every element of shape[0..dims) in row-major order;
    // shape and strides (in elements) have `dims` entries.
    void strided_gather(const void* view, const int64_t* shape, const int64_t* strides, int dims,
                        int element_size, void* packed);

    // view[view index of i] = packed[i].
    void strided_scatter(const void* packed, const int64_t* shape, const int64_t* strides, int dims,
                         int element_size, void* view);)
