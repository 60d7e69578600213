// out[i] = a[index i] (op) b[index i]: output element i's index (i_0, ..., i_d-1) is i written
// in the mixed radix of the shape; each input is read at sum_k i_k * strides[k], where a
// broadcast dimension has stride 0. (Their backward is made of other ops: see
// engine/ops/elementwise.cpp.)
#include "kernels/cpu/elementwise.h"

namespace leuko::cpu::reference {

static float apply(BinaryOp op, float a, float b) {
  switch (op) {
    case BinaryOp::add:
      return a + b;
    case BinaryOp::sub:
      return a - b;
    case BinaryOp::mul:
      return a * b;
    case BinaryOp::div:
      return a / b;
  }
  return 0.0f;
}

void binary_forward(BinaryOp op, const float* a, const int64_t* a_strides, const float* b,
                    const int64_t* b_strides, float* out, const int64_t* shape, int ndim) {
  int64_t total = 1;
  for (int d = 0; d < ndim; ++d) total *= shape[d];
  for (int64_t i = 0; i < total; ++i) {
    int64_t a_offset = 0, b_offset = 0, rest = i;
    for (int d = ndim - 1; d >= 0; --d) {
      const int64_t index = rest % shape[d];
      rest /= shape[d];
      a_offset += index * a_strides[d];
      b_offset += index * b_strides[d];
    }
    out[i] = apply(op, a[a_offset], b[b_offset]);
  }
}

// y = x * scale + shift.
void affine_forward(const float* x, float* y, int64_t n, float scale, float shift) {
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] * scale + shift;
}

}  // namespace leuko::cpu::reference
