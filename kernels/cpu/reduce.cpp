#include "kernels/cpu/reduce.h"

#include <vector>

namespace leuko::cpu {

void sum_forward(const float* x, const int64_t* shape, int ndim, const int64_t* out_strides,
                 float* out, int64_t out_numel) {
  std::vector<double> acc(out_numel, 0.0);
  int64_t total = 1;
  for (int d = 0; d < ndim; ++d) total *= shape[d];
  if (total == 0) {
    for (int64_t i = 0; i < out_numel; ++i) out[i] = 0.0f;
    return;
  }
  const int64_t inner = ndim ? shape[ndim - 1] : 1;
  const int64_t inner_stride = ndim ? out_strides[ndim - 1] : 0;
  std::vector<int64_t> index(ndim > 0 ? ndim - 1 : 0, 0);
  int64_t out_offset = 0;
  for (int64_t row = 0; row < total / inner; ++row) {
    const float* px = x + row * inner;
    if (inner_stride == 0) {
      double s = 0.0;
      for (int64_t i = 0; i < inner; ++i) s += px[i];
      acc[out_offset] += s;
    } else {
      for (int64_t i = 0; i < inner; ++i) acc[out_offset + i] += px[i];
    }
    for (int d = ndim - 2; d >= 0; --d) {  // odometer over the outer dims
      out_offset += out_strides[d];
      if (++index[d] < shape[d]) break;
      out_offset -= out_strides[d] * shape[d];
      index[d] = 0;
    }
  }
  for (int64_t i = 0; i < out_numel; ++i) out[i] = static_cast<float>(acc[i]);
}

}  // namespace leuko::cpu
