// Matrix products by their definition: C[i, j] = alpha * sum_p op(A)[i, p] op(B)[p, j] +
// beta * C[i, j], one element at a time, the sum in double. The batched matmul and its
// gradients are that product on each batch item: dA = dC B^T, dB = A^T dC.
#include "kernels/cpu/matmul.h"

namespace leuko::cpu::reference {

void gemm(bool transpose_a, bool transpose_b, int64_t m, int64_t n, int64_t k, float alpha,
          const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
          int64_t ldc) {
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double sum = 0.0;
      for (int64_t p = 0; p < k; ++p) {
        const float a_ip = transpose_a ? a[p * lda + i] : a[i * lda + p];
        const float b_pj = transpose_b ? b[j * ldb + p] : b[p * ldb + j];
        sum += double{a_ip} * b_pj;
      }
      // beta == 0 overwrites C without reading it (it may hold garbage, as BLAS allows).
      const double old = beta == 0.0f ? 0.0 : double{beta} * c[i * ldc + j];
      c[i * ldc + j] = static_cast<float>(alpha * sum + old);
    }
}

void matmul_forward(const float* a, const float* b, float* out, int64_t batch, int64_t m, int64_t k,
                    int64_t n) {
  for (int64_t i = 0; i < batch; ++i)
    gemm(false, false, m, n, k, 1.0f, a + i * m * k, k, b + i * k * n, n, 0.0f, out + i * m * n, n);
}

void matmul_backward_a(const float* grad_out, const float* b, float* grad_a, int64_t batch,
                       int64_t m, int64_t k, int64_t n) {
  for (int64_t i = 0; i < batch; ++i)
    gemm(false, true, m, k, n, 1.0f, grad_out + i * m * n, n, b + i * k * n, n, 0.0f,
         grad_a + i * m * k, k);
}

void matmul_backward_b(const float* a, const float* grad_out, float* grad_b, int64_t batch,
                       int64_t m, int64_t k, int64_t n) {
  for (int64_t i = 0; i < batch; ++i)
    gemm(true, false, k, n, m, 1.0f, a + i * m * k, k, grad_out + i * m * n, n, 0.0f,
         grad_b + i * k * n, n);
}

void broadcast_rows(const float* row, float* out, int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) out[r * cols + c] = row[c];
}

void sum_rows(const float* x, float* out, int64_t rows, int64_t cols) {
  for (int64_t c = 0; c < cols; ++c) {
    double sum = 0.0;
    for (int64_t r = 0; r < rows; ++r) sum += x[r * cols + c];
    out[c] = static_cast<float>(sum);
  }
}

}  // namespace leuko::cpu::reference
