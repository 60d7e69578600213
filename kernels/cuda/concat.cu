// Concatenation as a block copy between row-major matrices: input i ([outer, row_i]) is the
// column band [start_i, start_i + row_i) of the output ([outer, total]). Forward copies each
// input into its band, backward copies each band back out; one launch per input, so any
// number of inputs works without passing a pointer table to the device.
//
// Work split: one thread per element of the band, grid-stride loop, 256 threads per block.
// A band's row is contiguous in both matrices, so consecutive threads read and write
// consecutive addresses (one division per element finds the row). Cost: 4 bytes read and
// 4 written per element; memory-bound.
#include "kernels/cuda/common.cuh"
#include "kernels/cuda/concat.h"

namespace leuko::LEUKO_CUDA_NS {

namespace {

constexpr unsigned kThreads = 256;

// Copies an [outer, width] matrix between a source and a destination with row pitches
// source_pitch and destination_pitch.
__global__ void copy_band_kernel(const float* source, int64_t source_pitch, float* destination,
                                 int64_t destination_pitch, int64_t outer, int64_t width) {
  const int64_t n = outer * width;
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n; i += step) {
    const int64_t row = i / width, column = i % width;
    destination[row * destination_pitch + column] = source[row * source_pitch + column];
  }
}

void copy_band(const float* source, int64_t source_pitch, float* destination,
               int64_t destination_pitch, int64_t outer, int64_t width) {
  if (outer * width == 0) return;
  leuko_launch(copy_band_kernel, dim3(elementwise_blocks(outer * width, kThreads)), dim3(kThreads),
               0, current_stream(), source, source_pitch, destination, destination_pitch, outer,
               width);
  check_launch("copy_band_kernel");
}

int64_t total_row(const int64_t* row_sizes, int64_t count) {
  int64_t total = 0;
  for (int64_t i = 0; i < count; ++i) total += row_sizes[i];
  return total;
}

}  // namespace

void concat_forward(const float* const* inputs, const int64_t* row_sizes, int64_t count,
                    int64_t outer, float* out) {
  const int64_t total = total_row(row_sizes, count);
  int64_t start = 0;
  for (int64_t i = 0; i < count; ++i) {
    copy_band(inputs[i], row_sizes[i], out + start, total, outer, row_sizes[i]);
    start += row_sizes[i];
  }
}

void concat_backward(const float* grad_out, const int64_t* row_sizes, int64_t count, int64_t outer,
                     float* const* grad_inputs) {
  const int64_t total = total_row(row_sizes, count);
  int64_t start = 0;
  for (int64_t i = 0; i < count; ++i) {
    if (grad_inputs[i] != nullptr)
      copy_band(grad_out + start, total, grad_inputs[i], row_sizes[i], outer, row_sizes[i]);
    start += row_sizes[i];
  }
}

}  // namespace leuko::LEUKO_CUDA_NS
