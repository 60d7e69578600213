#include "kernels/cpu/elementwise.h"

#include <vector>

namespace leuko::cpu {

template <BinaryOp Op>
static inline float apply(float a, float b) {
  if constexpr (Op == BinaryOp::add) return a + b;
  if constexpr (Op == BinaryOp::sub) return a - b;
  if constexpr (Op == BinaryOp::mul) return a * b;
  return a / b;
}

// The innermost dimension is a tight loop whose strides are 0 or 1 in the common cases, so
// the compiler vectorizes it; the outer dimensions are walked in parallel by row.
template <BinaryOp Op>
static void run(const float* a, const int64_t* as, const float* b, const int64_t* bs, float* out,
                const int64_t* shape, int ndim) {
  if (ndim == 0) {
    out[0] = apply<Op>(a[0], b[0]);
    return;
  }
  const int64_t inner = shape[ndim - 1];
  const int64_t a_inner = as[ndim - 1], b_inner = bs[ndim - 1];
  int64_t rows = 1;
  for (int d = 0; d < ndim - 1; ++d) rows *= shape[d];
#pragma omp parallel for schedule(static) if (rows * inner > 32768)
  for (int64_t row = 0; row < rows; ++row) {
    int64_t a_off = 0, b_off = 0, rest = row;
    for (int d = ndim - 2; d >= 0; --d) {
      const int64_t i = rest % shape[d];
      rest /= shape[d];
      a_off += i * as[d];
      b_off += i * bs[d];
    }
    const float* pa = a + a_off;
    const float* pb = b + b_off;
    float* po = out + row * inner;
    if (a_inner == 1 && b_inner == 1) {
      for (int64_t i = 0; i < inner; ++i) po[i] = apply<Op>(pa[i], pb[i]);
    } else if (a_inner == 1 && b_inner == 0) {
      for (int64_t i = 0; i < inner; ++i) po[i] = apply<Op>(pa[i], pb[0]);
    } else if (a_inner == 0 && b_inner == 1) {
      for (int64_t i = 0; i < inner; ++i) po[i] = apply<Op>(pa[0], pb[i]);
    } else {
      for (int64_t i = 0; i < inner; ++i) po[i] = apply<Op>(pa[i * a_inner], pb[i * b_inner]);
    }
  }
}

void binary_forward(BinaryOp op, const float* a, const int64_t* as, const float* b,
                    const int64_t* bs, float* out, const int64_t* shape, int ndim) {
  switch (op) {
    case BinaryOp::add:
      return run<BinaryOp::add>(a, as, b, bs, out, shape, ndim);
    case BinaryOp::sub:
      return run<BinaryOp::sub>(a, as, b, bs, out, shape, ndim);
    case BinaryOp::mul:
      return run<BinaryOp::mul>(a, as, b, bs, out, shape, ndim);
    case BinaryOp::div:
      return run<BinaryOp::div>(a, as, b, bs, out, shape, ndim);
  }
}

void affine_forward(const float* x, float* y, int64_t n, float scale, float shift) {
#pragma omp parallel for schedule(static) if (n > 65536)
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] * scale + shift;
}

}  // namespace leuko::cpu
