#include "kernels/cpu/copy.h"

#include <cstring>

namespace leuko::cpu {

// Walks the view with an odometer over all but the last dimension; the innermost
// dimension is a tight loop (a memcpy when it is unit-strided).
template <bool Gather>
static void walk(const std::vector<int64_t>& shape, const std::vector<int64_t>& strides,
                 size_t esize, char* view, char* packed) {
  const size_t dims = shape.size();
  if (dims == 0) {
    Gather ? std::memcpy(packed, view, esize) : std::memcpy(view, packed, esize);
    return;
  }
  for (int64_t d : shape) {
    if (d == 0) return;
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

void strided_copy(const char* src, const std::vector<int64_t>& shape,
                  const std::vector<int64_t>& strides, size_t element_size, char* packed) {
  walk<true>(shape, strides, element_size, const_cast<char*>(src), packed);
}

void strided_scatter(const char* packed, const std::vector<int64_t>& shape,
                     const std::vector<int64_t>& strides, size_t element_size, char* dst) {
  walk<false>(shape, strides, element_size, dst, const_cast<char*>(packed));
}

}  // namespace leuko::cpu
