// cuBLAS sgemm for the real GPU backend (compiled by nvcc only; the emulated build sees an
// empty file). cuBLAS is column-major and a row-major matrix read column-major is its
// transpose, so the row-major C = op(A) op(B) is computed as the column-major
// C^T = op(B)^T op(A)^T: the same call with A and B (and m and n) swapped. One handle,
// created on first use and bound to the current stream; every call's status is checked.
#ifdef __CUDACC__

#include <cublas_v2.h>

#include <stdexcept>
#include <string>

#include "kernels/cuda/common.cuh"
#include "kernels/cuda/cublas_gemm.h"

namespace leuko::cuda {

namespace {

void check_cublas(cublasStatus_t status, const char* what) {
  if (status != CUBLAS_STATUS_SUCCESS) {
    throw std::runtime_error(std::string(what) + ": " + cublasGetStatusString(status));
  }
}

cublasHandle_t cublas_handle() {
  static cublasHandle_t handle = [] {
    cublasHandle_t created = nullptr;
    check_cublas(cublasCreate(&created), "cublasCreate");
    // Default math: full float32 products, no TF32, like the project's kernels.
    check_cublas(cublasSetMathMode(created, CUBLAS_DEFAULT_MATH), "cublasSetMathMode");
    return created;
  }();
  check_cublas(cublasSetStream(handle, current_stream()), "cublasSetStream");
  return handle;
}

// out[r, :] = row for every row r: the bias that the following sgemm (beta = 1) adds onto.
__global__ void broadcast_rows_kernel(const float* row, float* out, int64_t rows, int64_t cols) {
  const int64_t count = rows * cols;
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; e < count;
       e += step) {
    out[e] = row[e % cols];
  }
}

int as_int(int64_t value) {
  if (value < 0 || value > INT32_MAX) throw std::runtime_error("cublas: size above 2^31");
  return static_cast<int>(value);
}

}  // namespace

void cublas_gemm(bool transpose_a, bool transpose_b, int64_t batch, int64_t m, int64_t n, int64_t k,
                 float alpha, const float* a, int64_t lda, int64_t stride_a, const float* b,
                 int64_t ldb, int64_t stride_b, float beta, float* c, int64_t ldc,
                 int64_t stride_c) {
  if (batch == 0 || m == 0 || n == 0) return;
  check_cublas(
      cublasSgemmStridedBatched(cublas_handle(), transpose_b ? CUBLAS_OP_T : CUBLAS_OP_N,
                                transpose_a ? CUBLAS_OP_T : CUBLAS_OP_N, as_int(n), as_int(m),
                                as_int(k), &alpha, b, as_int(ldb), stride_b, a, as_int(lda),
                                stride_a, &beta, c, as_int(ldc), stride_c, as_int(batch)),
      "cublasSgemmStridedBatched");
}

void cublas_linear_forward(const float* x, const float* weight, const float* bias, float* y,
                           int64_t rows, int64_t in, int64_t out) {
  if (bias != nullptr) {
    const unsigned threads = 256;
    leuko_launch(broadcast_rows_kernel, dim3(elementwise_blocks(rows * out, threads)),
                 dim3(threads), 0, current_stream(), bias, y, rows, out);
    check_launch("broadcast_rows_kernel");
  }
  cublas_gemm(false, true, 1, rows, out, in, 1.0f, x, in, 0, weight, in, 0,
              bias != nullptr ? 1.0f : 0.0f, y, out, 0);
}

}  // namespace leuko::cuda

#endif  // __CUDACC__
