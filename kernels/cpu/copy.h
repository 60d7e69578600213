// Strided gather/scatter between an n-dimensional view and a packed (row-major) buffer.
// Element-size generic: it moves bytes, so it serves float32 and int64 alike.
#pragma once

#include <cstdint>

namespace leuko::cpu {

// packed[i] = view[view index of i], for every element of shape[0..dims) in row-major order;
// shape and strides (in elements) have `dims` entries.
void strided_gather(const void* view, const int64_t* shape, const int64_t* strides, int dims,
                    int element_size, void* packed);

// view[view index of i] = packed[i].
void strided_scatter(const void* packed, const int64_t* shape, const int64_t* strides, int dims,
                     int element_size, void* view);

}  // namespace leuko::cpu
