// The readable reference of the strided copies (copy.h): the same functions, names and
// signatures, one element at a time.
#pragma once

#include <cstdint>

namespace leuko::cpu::reference {

void strided_gather(const void* view, const int64_t* shape, const int64_t* strides, int dims,
                    int element_size, void* packed);
void strided_scatter(const void* packed, const int64_t* shape, const int64_t* strides, int dims,
                     int element_size, void* view);

}  // namespace leuko::cpu::reference
