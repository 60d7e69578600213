// Strided gather/scatter between an n-dimensional view and a packed (row-major) buffer.
// Element-size generic: it moves bytes, so it serves float32 and int64 alike.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace leuko::cpu {

// packed[i] = src[view index of i], for every element of `shape` in row-major order.
void strided_copy(const char* src, const std::vector<int64_t>& shape,
                  const std::vector<int64_t>& strides, size_t element_size, char* packed);

// dst[view index of i] = packed[i].
void strided_scatter(const char* packed, const std::vector<int64_t>& shape,
                     const std::vector<int64_t>& strides, size_t element_size, char* dst);

}  // namespace leuko::cpu
