// Device::cuda's choice between cuDNN/cuBLAS and the project's kernels, call by call.
#include "engine/cuda_selected.h"

#if LEUKO_WITH_CUDA

#include "engine/cuda_options.h"
#include "kernels/cuda/conv2d.h"
#include "kernels/cuda/cublas_gemm.h"
#include "kernels/cuda/cudnn_conv.h"
#include "kernels/cuda/matmul.h"

namespace leuko::cuda_selected {

static bool use_cudnn(const ConvGeometry& g) {
  return cuda_conv_algorithm() == ConvAlgorithm::cudnn && cuda::cudnn_conv2d_supports(g);
}
static bool use_cublas() { return cuda_gemm_algorithm() == GemmAlgorithm::cublas; }

void conv2d_forward(const float* x, const float* weight, const float* bias, float* y,
                    const ConvGeometry& g) {
  if (use_cudnn(g)) return cuda::cudnn_conv2d_forward(x, weight, bias, y, g);
  cuda::conv2d_forward(x, weight, bias, y, g);
}

void conv2d_backward_input(const float* grad_y, const float* weight, const float* bias,
                           float* grad_x, const ConvGeometry& g) {
  if (use_cudnn(g)) return cuda::cudnn_conv2d_backward_input(grad_y, weight, bias, grad_x, g);
  cuda::conv2d_backward_input(grad_y, weight, bias, grad_x, g);
}

void conv2d_backward_weight(const float* grad_y, const float* x, float* grad_weight,
                            const ConvGeometry& g) {
  if (use_cudnn(g)) return cuda::cudnn_conv2d_backward_weight(grad_y, x, grad_weight, g);
  cuda::conv2d_backward_weight(grad_y, x, grad_weight, g);
}

void gemm(bool transpose_a, bool transpose_b, int64_t batch, int64_t m, int64_t n, int64_t k,
          float alpha, const float* a, int64_t lda, int64_t stride_a, const float* b, int64_t ldb,
          int64_t stride_b, float beta, float* c, int64_t ldc, int64_t stride_c) {
  if (use_cublas()) {
    return cuda::cublas_gemm(transpose_a, transpose_b, batch, m, n, k, alpha, a, lda, stride_a, b,
                             ldb, stride_b, beta, c, ldc, stride_c);
  }
  cuda::gemm(transpose_a, transpose_b, batch, m, n, k, alpha, a, lda, stride_a, b, ldb, stride_b,
             beta, c, ldc, stride_c);
}

void linear_forward(const float* x, const float* weight, const float* bias, float* y, int64_t rows,
                    int64_t in, int64_t out) {
  if (use_cublas()) return cuda::cublas_linear_forward(x, weight, bias, y, rows, in, out);
  cuda::linear_forward(x, weight, bias, y, rows, in, out);
}

}  // namespace leuko::cuda_selected

#endif  // LEUKO_WITH_CUDA
