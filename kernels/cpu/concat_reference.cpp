// Concatenation of [outer, row_i] matrices along their rows: output row r is input 0's row r,
// then input 1's, and so on. Its adjoint hands each piece of a gradient row back.
#include "kernels/cpu/concat.h"

namespace leuko::cpu::reference {

void concat_forward(const float* const* inputs, const int64_t* row_sizes, int64_t count,
                    int64_t outer, float* out) {
  int64_t o = 0;
  for (int64_t r = 0; r < outer; ++r)
    for (int64_t i = 0; i < count; ++i)
      for (int64_t j = 0; j < row_sizes[i]; ++j) out[o++] = inputs[i][r * row_sizes[i] + j];
}

void concat_backward(const float* grad_out, const int64_t* row_sizes, int64_t count, int64_t outer,
                     float* const* grad_inputs) {
  int64_t o = 0;
  for (int64_t r = 0; r < outer; ++r)
    for (int64_t i = 0; i < count; ++i)
      for (int64_t j = 0; j < row_sizes[i]; ++j, ++o) {
        if (grad_inputs[i]) grad_inputs[i][r * row_sizes[i] + j] = grad_out[o];
      }
}

}  // namespace leuko::cpu::reference
