// Matrix products by OpenBLAS sgemm. A product [m,k] x [k,n] costs 2*m*n*k flops and moves
// at least 4*(m*k + k*n + m*n) bytes; OpenBLAS blocks it for the caches and AVX-512.
//
// Threading: all parallelism in the CPU backend is OpenMP's. Debian's OpenBLAS is the
// pthreads build, whose own thread pool would fight OpenMP's threads for the 2 cores
// (2 x 2 threads whenever a GEMM runs inside an OpenMP loop, as conv2d's per-image loop
// does), so OpenBLAS is switched to one thread once, and gemm() below splits a large
// product over the OpenMP threads itself when it is called outside a parallel region.
// Measured on the 2-core machine (batch 16 forward, 3x3): one image per OpenMP thread with
// single-threaded sgemm ran 1.3x (128 ch at 32x32), 1.5x (64 ch at 64x64) and 2x (3 -> 16 ch
// at 512x512) faster than images in sequence on OpenBLAS's threads, and equal for 16 -> 32
// ch at 256x256.
#include "kernels/cpu/matmul.h"

#include <cblas.h>
#include <omp.h>

#include <algorithm>

namespace leuko::cpu {

static void sgemm(bool transpose_a, bool transpose_b, int64_t m, int64_t n, int64_t k, float alpha,
                  const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
                  int64_t ldc) {
  // BLAS rejects a leading dimension of 0 even when the matrix is empty (k == 0).
  const auto ld = [](int64_t v) { return static_cast<int>(std::max<int64_t>(v, 1)); };
  cblas_sgemm(CblasRowMajor, transpose_a ? CblasTrans : CblasNoTrans,
              transpose_b ? CblasTrans : CblasNoTrans, static_cast<int>(m), static_cast<int>(n),
              static_cast<int>(k), alpha, a, ld(lda), b, ld(ldb), beta, c, ld(ldc));
}

// Products below this many flops are not worth waking a second thread for.
constexpr double kParallelGemmFlops = 4e6;

void gemm(bool transpose_a, bool transpose_b, int64_t m, int64_t n, int64_t k, float alpha,
          const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
          int64_t ldc) {
  static const bool blas_single_threaded = (openblas_set_num_threads(1), true);
  (void)blas_single_threaded;
  if (m == 0 || n == 0) return;
  const int threads = omp_in_parallel() ? 1 : omp_get_max_threads();
  if (threads == 1 || 2.0 * m * n * k < kParallelGemmFlops) {
    return sgemm(transpose_a, transpose_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  }
  // Split C into one block of rows (or of columns, whichever side is longer) per thread;
  // blocks are multiples of 16 so every thread's block starts on a 64-byte line.
  const bool split_rows = m >= n;
  const int64_t extent = split_rows ? m : n;
  const int64_t block = ((extent + threads - 1) / threads + 15) / 16 * 16;
#pragma omp parallel for schedule(static) num_threads(threads)
  for (int64_t start = 0; start < extent; start += block) {
    const int64_t size = std::min(block, extent - start);
    if (split_rows) {  // rows start..start+size of op(A) and of C
      const float* a_rows = transpose_a ? a + start : a + start * lda;
      sgemm(transpose_a, transpose_b, size, n, k, alpha, a_rows, lda, b, ldb, beta, c + start * ldc,
            ldc);
    } else {  // columns start..start+size of op(B) and of C
      const float* b_cols = transpose_b ? b + start * ldb : b + start;
      sgemm(transpose_a, transpose_b, m, size, k, alpha, a, lda, b_cols, ldb, beta, c + start, ldc);
    }
  }
}

// Batched products: one matrix pair per OpenMP thread (gemm then runs single-threaded);
// a single pair is split over the threads inside gemm instead.
void matmul_forward(const float* a, const float* b, float* out, int64_t batch, int64_t m, int64_t k,
                    int64_t n) {
#pragma omp parallel for schedule(static) if (batch > 1 && \
                                              2.0 * batch * m * n * k > kParallelGemmFlops)
  for (int64_t i = 0; i < batch; ++i) {
    gemm(false, false, m, n, k, 1.0f, a + i * m * k, k, b + i * k * n, n, 0.0f, out + i * m * n, n);
  }
}

void matmul_backward_a(const float* grad_out, const float* b, float* grad_a, int64_t batch,
                       int64_t m, int64_t k, int64_t n) {
#pragma omp parallel for schedule(static) if (batch > 1 && \
                                              2.0 * batch * m * n * k > kParallelGemmFlops)
  for (int64_t i = 0; i < batch; ++i) {
    gemm(false, true, m, k, n, 1.0f, grad_out + i * m * n, n, b + i * k * n, n, 0.0f,
         grad_a + i * m * k, k);
  }
}

void matmul_backward_b(const float* a, const float* grad_out, float* grad_b, int64_t batch,
                       int64_t m, int64_t k, int64_t n) {
#pragma omp parallel for schedule(static) if (batch > 1 && \
                                              2.0 * batch * m * n * k > kParallelGemmFlops)
  for (int64_t i = 0; i < batch; ++i) {
    gemm(true, false, k, n, m, 1.0f, a + i * m * k, k, grad_out + i * m * n, n, 0.0f,
         grad_b + i * k * n, n);
  }
}

void broadcast_rows(const float* row, float* out, int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; ++r) std::copy(row, row + cols, out + r * cols);
}

// Rows are added in order into a float accumulator per column: the inner loop runs along
// contiguous columns, so it vectorizes; linear's batches are small enough (tens to
// hundreds of rows) that float accumulation keeps ~1e-6 relative accuracy.
void sum_rows(const float* x, float* out, int64_t rows, int64_t cols) {
  std::fill(out, out + cols, 0.0f);
  for (int64_t r = 0; r < rows; ++r) {
    const float* src = x + r * cols;
    for (int64_t c = 0; c < cols; ++c) out[c] += src[c];
  }
}

}  // namespace leuko::cpu
