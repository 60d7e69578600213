// Strided gather and scatter on the device: Tensor::contiguous() and copy_() of views.
#pragma once

#include <cstdint>

#include "kernels/cuda/backends.h"

LEUKO_CUDA_BACKENDS(
    // At most 8 dims. element_size 4 (float32) or 8 (int64).
    // gather:  packed[i] = view[index of i];  scatter: view[index of i] = packed[i]
    void strided_gather(const void* view, const int64_t* shape, const int64_t* strides, int dims,
                        int element_size, void* packed);
    void strided_scatter(const void* packed, const int64_t* shape, const int64_t* strides, int dims,
                         int element_size, void* view);)
