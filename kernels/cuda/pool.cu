// Max, average and global average pooling kernels, forward and backward (see pool.h).
//
// Work split:
//   max/avg forward    one thread per output element (grid-stride loop over N*C*out_h*out_w),
//                      looping over its clipped window. Neighbouring threads take
//                      neighbouring outputs of a row, so their reads are stride_w apart and
//                      overlap in cache lines; windows are small (2x2, 3x3), so no tiling.
//   max/avg backward   one thread per INPUT element, gathering from the outputs whose windows
//                      contain it (at most ceil(kernel/stride)^2 of them). Each gradient
//                      element has one writer: no atomics, no zero-fill pass, and a
//                      deterministic sum, at the price of recomputing the window ranges.
//   global forward     one warp per plane: lanes stride over the plane (coalesced), then a
//                      shuffle reduction; 8 planes per 256-thread block.
//   global backward    one thread per input element.
// Cost: max/avg forward read kernel_h*kernel_w inputs per output (mostly from cache) and
// write 4 bytes (+4 for a max index); backward reads each overlapping output once per input.
// All memory bound.
#include "kernels/cuda/pool.h"

#include "kernels/cuda/common.cuh"

namespace leuko::LEUKO_CUDA_NS {

namespace {

constexpr unsigned kThreads = 256;

// One window's extent along one axis: [begin, end) clipped to the input, and the length of
// the unclipped window cut at the padded border (PyTorch's count for the divisor).
struct Span {
  int64_t begin, end, padded_length;
};

__device__ Span span_at(int64_t o, int64_t stride, int64_t pad, int64_t kernel, int64_t in) {
  const int64_t start = o * stride - pad;
  const int64_t stop = start + kernel < in + pad ? start + kernel : in + pad;
  return {start > 0 ? start : 0, stop < in ? stop : in, stop - start};
}

// The window that output (oh, ow) pools, clipped to the input.
struct Window {
  Span rows, cols;
};

__device__ Window window_at(int64_t oh, int64_t ow, const Pool2dShape& s) {
  return {span_at(oh, s.stride_h, s.pad_h, s.kernel_h, s.in_h),
          span_at(ow, s.stride_w, s.pad_w, s.kernel_w, s.in_w)};
}

__device__ float divisor(const Window& window, bool count_include_pad) {
  const Span &rows = window.rows, &cols = window.cols;
  return static_cast<float>(count_include_pad ? rows.padded_length * cols.padded_length
                                              : (rows.end - rows.begin) * (cols.end - cols.begin));
}

// The outputs [begin, end) along one axis whose windows contain input position i: windows
// start at o * stride - pad and are `kernel` long.
struct OutputRange {
  int64_t begin, end;
};

__device__ OutputRange outputs_covering(int64_t i, int64_t stride, int64_t pad, int64_t kernel,
                                        int64_t out) {
  const int64_t begin = i + pad < kernel ? 0 : (i + pad - kernel) / stride + 1;
  const int64_t last_plus_one = (i + pad) / stride + 1;
  return {begin, last_plus_one < out ? last_plus_one : out};
}

// Where the forward kernels' element i (one per output) stands: its plane, and the clipped
// window it pools.
struct OutputElement {
  int64_t plane;
  Window window;
};

__device__ OutputElement output_element(int64_t i, const Pool2dShape& s) {
  return {i / (s.out_w * s.out_h), window_at(i / s.out_w % s.out_h, i % s.out_w, s)};
}

// Where the backward kernels' element i (one per input) stands: its plane, its offset
// h * in_w + w inside it, and the outputs whose windows contain it.
struct InputElement {
  int64_t plane, offset;
  OutputRange out_rows, out_cols;
};

__device__ InputElement input_element(int64_t i, const Pool2dShape& s) {
  const int64_t w = i % s.in_w, h = i / s.in_w % s.in_h;
  return {i / (s.in_w * s.in_h), h * s.in_w + w,
          outputs_covering(h, s.stride_h, s.pad_h, s.kernel_h, s.out_h),
          outputs_covering(w, s.stride_w, s.pad_w, s.kernel_w, s.out_w)};
}

// The kernels below are grid-stride loops over `total` elements, one per thread at a time.
__device__ int64_t first_element() {
  return blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
}
__device__ int64_t element_step() { return static_cast<int64_t>(gridDim.x) * blockDim.x; }

__global__ void max_pool2d_forward_kernel(const float* x, Pool2dShape s, float* y,
                                          int32_t* indices) {
  const int64_t total = s.planes * s.out_h * s.out_w;
  for (int64_t i = first_element(); i < total; i += element_step()) {
    const OutputElement e = output_element(i, s);
    const Span &rows = e.window.rows, &cols = e.window.cols;
    const float* xp = x + e.plane * s.in_h * s.in_w;
    float best = -INFINITY;
    int64_t best_index = rows.begin * s.in_w + cols.begin;
    for (int64_t h = rows.begin; h < rows.end; ++h) {
      for (int64_t w = cols.begin; w < cols.end; ++w) {
        const float v = xp[h * s.in_w + w];
        // Row-major scan with a strict > keeps the first maximum on ties; a NaN wins and
        // propagates (PyTorch's rule).
        if (v > best || isnan(v)) {
          best = v;
          best_index = h * s.in_w + w;
        }
      }
    }
    y[i] = best;
    indices[i] = static_cast<int32_t>(best_index);
  }
}

__global__ void max_pool2d_backward_kernel(const float* grad_y, const int32_t* indices,
                                           Pool2dShape s, float* grad_x) {
  const int64_t total = s.planes * s.in_h * s.in_w;
  for (int64_t i = first_element(); i < total; i += element_step()) {
    const InputElement e = input_element(i, s);
    const int64_t plane_offset = e.plane * s.out_h * s.out_w;
    float sum = 0.0f;
    for (int64_t oh = e.out_rows.begin; oh < e.out_rows.end; ++oh) {
      for (int64_t ow = e.out_cols.begin; ow < e.out_cols.end; ++ow) {
        const int64_t o = plane_offset + oh * s.out_w + ow;
        if (indices[o] == e.offset) sum += grad_y[o];
      }
    }
    grad_x[i] = sum;
  }
}

__global__ void avg_pool2d_forward_kernel(const float* x, Pool2dShape s, bool count_include_pad,
                                          float* y) {
  const int64_t total = s.planes * s.out_h * s.out_w;
  for (int64_t i = first_element(); i < total; i += element_step()) {
    const OutputElement e = output_element(i, s);
    const Span &rows = e.window.rows, &cols = e.window.cols;
    const float* xp = x + e.plane * s.in_h * s.in_w;
    // Column sums first, then across: the CPU kernel's order, so both give the same bits.
    float sum = 0.0f;
    for (int64_t w = cols.begin; w < cols.end; ++w) {
      float column = 0.0f;
      for (int64_t h = rows.begin; h < rows.end; ++h) column += xp[h * s.in_w + w];
      sum += column;
    }
    y[i] = sum / divisor(e.window, count_include_pad);
  }
}

__global__ void avg_pool2d_backward_kernel(const float* grad_y, Pool2dShape s,
                                           bool count_include_pad, float* grad_x) {
  const int64_t total = s.planes * s.in_h * s.in_w;
  for (int64_t i = first_element(); i < total; i += element_step()) {
    const InputElement e = input_element(i, s);
    const float* gyp = grad_y + e.plane * s.out_h * s.out_w;
    float sum = 0.0f;
    for (int64_t oh = e.out_rows.begin; oh < e.out_rows.end; ++oh) {
      float row_sum = 0.0f;
      for (int64_t ow = e.out_cols.begin; ow < e.out_cols.end; ++ow) {
        row_sum += gyp[oh * s.out_w + ow] / divisor(window_at(oh, ow, s), count_include_pad);
      }
      sum += row_sum;
    }
    grad_x[i] = sum;
  }
}

constexpr unsigned kPlanesPerBlock = kThreads / 32;

__global__ void global_avg_pool_forward_kernel(const float* x, int64_t planes, int64_t plane_size,
                                               float* y) {
  const int64_t plane = blockIdx.x * static_cast<int64_t>(kPlanesPerBlock) + threadIdx.x / 32;
  const unsigned lane = threadIdx.x % 32;
  float sum = 0.0f;
  // A warp past the last plane sums nothing but still takes part in the shuffles below,
  // which need every lane of the warp.
  if (plane < planes) {
    const float* xp = x + plane * plane_size;
    for (int64_t i = lane; i < plane_size; i += 32) sum += xp[i];
  }
  for (int offset = 16; offset > 0; offset /= 2) sum += __shfl_down_sync(0xffffffffu, sum, offset);
  if (lane == 0 && plane < planes) y[plane] = sum / static_cast<float>(plane_size);
}

__global__ void global_avg_pool_backward_kernel(const float* grad_y, int64_t planes,
                                                int64_t plane_size, float* grad_x) {
  const int64_t total = planes * plane_size;
  for (int64_t i = first_element(); i < total; i += element_step()) {
    grad_x[i] = grad_y[i / plane_size] / static_cast<float>(plane_size);
  }
}

// Launches one of the grid-stride kernels above over `total` elements (none: no launch).
template <typename... Params, typename... Args>
void launch_over(int64_t total, void (*kernel)(Params...), const char* kernel_name, Args... args) {
  if (total == 0) return;
  leuko_launch(kernel, dim3(elementwise_blocks(total, kThreads)), dim3(kThreads), 0,
               current_stream(), args...);
  check_launch(kernel_name);
}

}  // namespace

void max_pool2d_forward(const float* x, const Pool2dShape& shape, float* y, int32_t* indices) {
  launch_over(shape.planes * shape.out_h * shape.out_w, max_pool2d_forward_kernel,
              "max_pool2d_forward_kernel", x, shape, y, indices);
}

void max_pool2d_backward(const float* grad_y, const int32_t* indices, const Pool2dShape& shape,
                         float* grad_x) {
  launch_over(shape.planes * shape.in_h * shape.in_w, max_pool2d_backward_kernel,
              "max_pool2d_backward_kernel", grad_y, indices, shape, grad_x);
}

void avg_pool2d_forward(const float* x, const Pool2dShape& shape, bool count_include_pad,
                        float* y) {
  launch_over(shape.planes * shape.out_h * shape.out_w, avg_pool2d_forward_kernel,
              "avg_pool2d_forward_kernel", x, shape, count_include_pad, y);
}

void avg_pool2d_backward(const float* grad_y, const Pool2dShape& shape, bool count_include_pad,
                         float* grad_x) {
  launch_over(shape.planes * shape.in_h * shape.in_w, avg_pool2d_backward_kernel,
              "avg_pool2d_backward_kernel", grad_y, shape, count_include_pad, grad_x);
}

void global_avg_pool_forward(const float* x, int64_t planes, int64_t plane_size, float* y) {
  if (planes == 0) return;
  const int64_t blocks = (planes + kPlanesPerBlock - 1) / kPlanesPerBlock;
  leuko_launch(global_avg_pool_forward_kernel, dim3(static_cast<unsigned>(blocks)), dim3(kThreads),
               0, current_stream(), x, planes, plane_size, y);
  check_launch("global_avg_pool_forward_kernel");
}

void global_avg_pool_backward(const float* grad_y, int64_t planes, int64_t plane_size,
                              float* grad_x) {
  launch_over(planes * plane_size, global_avg_pool_backward_kernel,
              "global_avg_pool_backward_kernel", grad_y, planes, plane_size, grad_x);
}

}  // namespace leuko::LEUKO_CUDA_NS
