#include "kernels/cpu/copy.h"

#include <cstring>
#include <vector>

namespace leuko::cpu {

// Walks the view with an odometer over all but the last dimension; the innermost
// dimension is a tight loop (a memcpy when it is unit-strided).
template <bool Gather>
static void walk(const int64_t* shape, const int64_t* strides, size_t dims, size_t esize,
                 char* view, char* packed) {
  if (dims == 0) {
    Gather ? std::memcpy(packed, view, esize) : std::memcpy(view, packed, esize);
    return;
  }
  for (size_t d = 0; d < dims; ++d) {
    if (shape[d] == 0) return;
  }
  const int64_t inner = shape[dims - 1];
  const int64_t inner_stride = strides[dims - 1];
  std::vector<int64_t> index(dims - 1, 0);
  int64_t view_offset = 0;
  for (;;) {
    char* row = view + view_offset * static_cast<int64_t>(esize);
    if (inner_stride == 1) {
      Gather ? std::memcpy(packed, row, inner * esize) : std::memcpy(row, packed, inner * esize);
    } else {
      for (int64_t i = 0; i < inner; ++i) {
        char* element = row + i * inner_stride * static_cast<int64_t>(esize);
        Gather ? std::memcpy(packed + i * esize, element, esize)
               : std::memcpy(element, packed + i * esize, esize);
      }
    }
    packed += inner * esize;
    size_t d = dims - 1;
    while (d > 0) {
      --d;
      view_offset += strides[d];
      if (++index[d] < shape[d]) break;
      view_offset -= strides[d] * shape[d];
      index[d] = 0;
      if (d == 0) return;
    }
    if (dims == 1) return;
  }
}

void strided_gather(const void* view, const int64_t* shape, const int64_t* strides, int dims,
                    int element_size, void* packed) {
  walk<true>(shape, strides, dims, element_size, static_cast<char*>(const_cast<void*>(view)),
             static_cast<char*>(packed));
}

void strided_scatter(const void* packed, const int64_t* shape, const int64_t* strides, int dims,
                     int element_size, void* view) {
  walk<false>(shape, strides, dims, element_size, static_cast<char*>(view),
              static_cast<char*>(const_cast<void*>(packed)));
}

}  // namespace leuko::cpu
