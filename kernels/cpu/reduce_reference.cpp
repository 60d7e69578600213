// out[j] = sum of x[i] over every input index i that lands on j: i's index (i_0, ..., i_d-1)
// in the mixed radix of the shape, j = sum_k i_k * out_strides[k] (0 on reduced dims). (The
// backward, broadcasting the gradient back, is the expand op: see engine/ops/reduce.cpp.)
#include "kernels/cpu/reduce.h"

#include <vector>

namespace leuko::cpu::reference {

void sum_forward(const float* x, const int64_t* shape, int ndim, const int64_t* out_strides,
                 float* out, int64_t out_numel) {
  int64_t total = 1;
  for (int d = 0; d < ndim; ++d) total *= shape[d];
  std::vector<double> sums(out_numel, 0.0);
  for (int64_t i = 0; i < total; ++i) {
    int64_t j = 0, rest = i;
    for (int d = ndim - 1; d >= 0; --d) {
      j += (rest % shape[d]) * out_strides[d];
      rest /= shape[d];
    }
    sums[j] += x[i];
  }
  for (int64_t j = 0; j < out_numel; ++j) out[j] = static_cast<float>(sums[j]);
}

}  // namespace leuko::cpu::reference
