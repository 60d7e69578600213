// Element i of the packed (row-major) buffer is the view's element at index (i_0, ..., i_d-1),
// i written in the mixed radix of the shape; its offset in the view is sum_k i_k * strides[k].
#include "kernels/cpu/copy.h"

#include <cstring>

namespace leuko::cpu::reference {

static int64_t numel(const int64_t* shape, int dims) {
  int64_t total = 1;
  for (int d = 0; d < dims; ++d) total *= shape[d];
  return total;
}

// The view offset (in elements) of packed element i.
static int64_t view_offset(int64_t i, const int64_t* shape, const int64_t* strides, int dims) {
  int64_t offset = 0;
  for (int d = dims - 1; d >= 0; --d) {
    offset += (i % shape[d]) * strides[d];
    i /= shape[d];
  }
  return offset;
}

void strided_gather(const void* view, const int64_t* shape, const int64_t* strides, int dims,
                    int element_size, void* packed) {
  const char* from = static_cast<const char*>(view);
  char* to = static_cast<char*>(packed);
  for (int64_t i = 0; i < numel(shape, dims); ++i) {
    std::memcpy(to + i * element_size, from + view_offset(i, shape, strides, dims) * element_size,
                element_size);
  }
}

void strided_scatter(const void* packed, const int64_t* shape, const int64_t* strides, int dims,
                     int element_size, void* view) {
  const char* from = static_cast<const char*>(packed);
  char* to = static_cast<char*>(view);
  for (int64_t i = 0; i < numel(shape, dims); ++i) {
    std::memcpy(to + view_offset(i, shape, strides, dims) * element_size, from + i * element_size,
                element_size);
  }
}

}  // namespace leuko::cpu::reference
