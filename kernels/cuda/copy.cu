// Strided gather/scatter: one thread per element of the packed (row-major) order, grid
// stride. Each thread turns its packed index into the view's offset by peeling the shape
// from the last dimension (a division per dimension). Moves 2 x numel x element_size bytes;
// memory-bound, reads of a transposed view are uncoalesced.
#include "kernels/cuda/common.cuh"
#include "kernels/cuda/copy.h"

namespace leuko::LEUKO_CUDA_NS {

namespace {

struct ViewGeometry {
  int64_t shape[8];
  int64_t strides[8];
  int dims;
  int64_t numel;
};

template <typename T, bool Gather>
__global__ void strided_copy_kernel(T* view, T* packed, ViewGeometry g) {
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < g.numel;
       i += step) {
    int64_t rest = i, offset = 0;
    for (int d = g.dims - 1; d >= 0; --d) {
      offset += (rest % g.shape[d]) * g.strides[d];
      rest /= g.shape[d];
    }
    if (Gather) {
      packed[i] = view[offset];
    } else {
      view[offset] = packed[i];
    }
  }
}

template <bool Gather>
void launch_strided_copy(void* view, void* packed, const int64_t* shape, const int64_t* strides,
                         int dims, int element_size) {
  if (dims > 8) throw std::runtime_error("strided copy: at most 8 dimensions");
  ViewGeometry g{};
  g.dims = dims;
  g.numel = 1;
  for (int d = 0; d < dims; ++d) {
    g.shape[d] = shape[d];
    g.strides[d] = strides[d];
    g.numel *= shape[d];
  }
  if (g.numel == 0) return;
  const unsigned threads = 256;
  const unsigned blocks = elementwise_blocks(g.numel, threads);
  if (element_size == 4) {
    leuko_launch(strided_copy_kernel<float, Gather>, dim3(blocks), dim3(threads), 0,
                 current_stream(), static_cast<float*>(view), static_cast<float*>(packed), g);
  } else {
    leuko_launch(strided_copy_kernel<int64_t, Gather>, dim3(blocks), dim3(threads), 0,
                 current_stream(), static_cast<int64_t*>(view), static_cast<int64_t*>(packed), g);
  }
  check_launch("strided_copy_kernel");
}

}  // namespace

void strided_gather(const void* view, const int64_t* shape, const int64_t* strides, int dims,
                    int element_size, void* packed) {
  launch_strided_copy<true>(const_cast<void*>(view), packed, shape, strides, dims, element_size);
}

void strided_scatter(const void* packed, const int64_t* shape, const int64_t* strides, int dims,
                     int element_size, void* view) {
  launch_strided_copy<false>(view, const_cast<void*>(packed), shape, strides, dims, element_size);
}

}  // namespace leuko::LEUKO_CUDA_NS
