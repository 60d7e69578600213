// matmul and linear on the device: the project's GEMM, a dense, optionally transposed and
// batched, row-major problem fed to the tiled GEMM loop (tiled_gemm.cuh: 64x64 tiles per
// 16x16-thread block, K in shared-memory slices of 16, 4x4 register blocks). The epilogue scales by
// alpha, adds a per-column bias (linear) and beta * C. Cost: 2 m n k flops per matrix of the batch.
#include <stdexcept>

#include "kernels/cuda/common.cuh"
#include "kernels/cuda/matmul.h"
#include "kernels/cuda/tiled_gemm.cuh"

namespace leuko::LEUKO_CUDA_NS {

namespace {

// Row-major matrices read through their strides: X^T[r, c] is X[c, r].
struct DenseProblem {
  int rows, cols, depth;
  const float* a_data;
  const float* b_data;
  float* c_data;
  int64_t lda, ldb, ldc, stride_a, stride_b, stride_c;
  bool transpose_a, transpose_b;
  float alpha, beta;
  const float* column_bias;  // may be null

  __device__ float a(int z, int row, int k) const {
    const float* matrix = a_data + z * stride_a;
    return transpose_a ? matrix[k * lda + row] : matrix[row * lda + k];
  }
  __device__ float b(int z, int k, int col) const {
    const float* matrix = b_data + z * stride_b;
    return transpose_b ? matrix[col * ldb + k] : matrix[k * ldb + col];
  }
  __device__ void store(int z, int row, int col, float sum) const {
    float* out = c_data + z * stride_c + row * ldc + col;
    float value = alpha * sum;
    if (column_bias != nullptr) value += column_bias[col];
    if (beta != 0.0f) value += beta * *out;  // beta == 0 never reads C (it may hold NaN)
    *out = value;
  }
};

int checked_int(int64_t value, const char* what) {
  if (value < 0 || value > INT32_MAX) {
    throw std::runtime_error(std::string("gemm: ") + what + " does not fit in 32 bits");
  }
  return static_cast<int>(value);
}

}  // namespace

void gemm(bool transpose_a, bool transpose_b, int64_t batch, int64_t m, int64_t n, int64_t k,
          float alpha, const float* a, int64_t lda, int64_t stride_a, const float* b, int64_t ldb,
          int64_t stride_b, float beta, float* c, int64_t ldc, int64_t stride_c) {
  const DenseProblem problem{checked_int(m, "m"),
                             checked_int(n, "n"),
                             checked_int(k, "k"),
                             a,
                             b,
                             c,
                             lda,
                             ldb,
                             ldc,
                             stride_a,
                             stride_b,
                             stride_c,
                             transpose_a,
                             transpose_b,
                             alpha,
                             beta,
                             nullptr};
  launch_tiled_gemm(problem, checked_int(batch, "batch"), "gemm");
}

void linear_forward(const float* x, const float* weight, const float* bias, float* y, int64_t rows,
                    int64_t in, int64_t out) {
  // y = x weight^T: A = x [rows, in], B = weight^T, weight stored [out, in].
  const DenseProblem problem{checked_int(rows, "rows"),
                             checked_int(out, "out"),
                             checked_int(in, "in"),
                             x,
                             weight,
                             y,
                             in,
                             in,
                             out,
                             0,
                             0,
                             0,
                             false,
                             true,
                             1.0f,
                             0.0f,
                             bias};
  launch_tiled_gemm(problem, 1, "linear_forward");
}

}  // namespace leuko::LEUKO_CUDA_NS
