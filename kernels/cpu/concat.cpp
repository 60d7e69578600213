// Concatenation and its adjoint (split) as row copies; see concat.h for the row view.
//
// Work split: OpenMP over the outer rows when the tensor is large; each row is a sequence
// of memcpy calls, one per input. Cost: every element is read once and written once
// (2 * 4 bytes per element), no flops.
#include "kernels/cpu/concat.h"

#include <cstring>

namespace leuko::cpu {

static constexpr int64_t kParallelThreshold = 65536;

static int64_t total(const int64_t* row_sizes, int64_t count) {
  int64_t sum = 0;
  for (int64_t i = 0; i < count; ++i) sum += row_sizes[i];
  return sum;
}

void concat_forward(const float* const* inputs, const int64_t* row_sizes, int64_t count,
                    int64_t outer, float* out) {
  const int64_t out_row = total(row_sizes, count);
#pragma omp parallel for schedule(static) if (outer * out_row > kParallelThreshold)
  for (int64_t r = 0; r < outer; ++r) {
    float* dst = out + r * out_row;
    for (int64_t i = 0; i < count; ++i) {
      std::memcpy(dst, inputs[i] + r * row_sizes[i], row_sizes[i] * sizeof(float));
      dst += row_sizes[i];
    }
  }
}

void concat_backward(const float* grad_out, const int64_t* row_sizes, int64_t count, int64_t outer,
                     float* const* grad_inputs) {
  const int64_t out_row = total(row_sizes, count);
#pragma omp parallel for schedule(static) if (outer * out_row > kParallelThreshold)
  for (int64_t r = 0; r < outer; ++r) {
    const float* src = grad_out + r * out_row;
    for (int64_t i = 0; i < count; ++i) {
      if (grad_inputs[i]) {
        std::memcpy(grad_inputs[i] + r * row_sizes[i], src, row_sizes[i] * sizeof(float));
      }
      src += row_sizes[i];
    }
  }
}

}  // namespace leuko::cpu
