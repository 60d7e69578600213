// The engine-wide choice between the vendor libraries and the project's kernels on a real
// GPU, and the routing of each convolution/GEMM call to the chosen one.
#include "engine/cuda_options.h"

#include <atomic>

#include "engine/dispatch.h"
#include "kernels/cuda/gemm.h"
#if LEUKO_WITH_CUDA
#include "kernels/cuda/cublas_gemm.h"
#include "kernels/cuda/cudnn_conv.h"
#endif

namespace leuko {

namespace {
std::atomic<ConvAlgorithm> conv_algorithm{ConvAlgorithm::cudnn};
std::atomic<GemmAlgorithm> gemm_algorithm{GemmAlgorithm::cublas};

#if LEUKO_WITH_CUDA
bool use_cudnn(Device device, const ConvGeometry& problem) {
  return device == Device::cuda && conv_algorithm.load() == ConvAlgorithm::cudnn &&
         cuda::cudnn_conv2d_supports(problem);
}
bool use_cublas(Device device) {
  return device == Device::cuda && gemm_algorithm.load() == GemmAlgorithm::cublas;
}
#endif
}  // namespace

void set_cuda_conv_algorithm(ConvAlgorithm algorithm) { conv_algorithm = algorithm; }
ConvAlgorithm cuda_conv_algorithm() { return conv_algorithm; }
void set_cuda_gemm_algorithm(GemmAlgorithm algorithm) { gemm_algorithm = algorithm; }
GemmAlgorithm cuda_gemm_algorithm() { return gemm_algorithm; }

void gpu_gemm(Device device, const char* op, bool transpose_a, bool transpose_b, int64_t batch,
              int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
              int64_t stride_a, const float* b, int64_t ldb, int64_t stride_b, float beta, float* c,
              int64_t ldc, int64_t stride_c) {
#if LEUKO_WITH_CUDA
  if (use_cublas(device)) {
    cuda::cublas_gemm(transpose_a, transpose_b, batch, m, n, k, alpha, a, lda, stride_a, b, ldb,
                      stride_b, beta, c, ldc, stride_c);
    return;
  }
#endif
  LEUKO_CUDA_DISPATCH(device, op, gemm, transpose_a, transpose_b, batch, m, n, k, alpha, a, lda,
                      stride_a, b, ldb, stride_b, beta, c, ldc, stride_c);
}

void gpu_linear_forward(Device device, const float* x, const float* weight, const float* bias,
                        float* y, int64_t rows, int64_t in, int64_t out) {
#if LEUKO_WITH_CUDA
  if (use_cublas(device)) {
    cuda::cublas_linear_forward(x, weight, bias, y, rows, in, out);
    return;
  }
#endif
  LEUKO_CUDA_DISPATCH(device, "linear", linear_forward, x, weight, bias, y, rows, in, out);
}

void gpu_conv2d_forward(Device device, const char* op, const float* x, const float* weight,
                        const float* bias, float* y, const ConvGeometry& problem) {
#if LEUKO_WITH_CUDA
  if (use_cudnn(device, problem)) {
    cuda::cudnn_conv2d_forward(x, weight, bias, y, problem);
    return;
  }
#endif
  LEUKO_CUDA_DISPATCH(device, op, conv2d_forward, x, weight, bias, y, problem);
}

void gpu_conv2d_backward_input(Device device, const char* op, const float* grad_y,
                               const float* weight, const float* bias, float* grad_x,
                               const ConvGeometry& problem) {
#if LEUKO_WITH_CUDA
  if (use_cudnn(device, problem)) {
    cuda::cudnn_conv2d_backward_input(grad_y, weight, bias, grad_x, problem);
    return;
  }
#endif
  LEUKO_CUDA_DISPATCH(device, op, conv2d_backward_input, grad_y, weight, bias, grad_x, problem);
}

void gpu_conv2d_backward_weight(Device device, const char* op, const float* grad_y, const float* x,
                                float* grad_weight, const ConvGeometry& problem) {
#if LEUKO_WITH_CUDA
  if (use_cudnn(device, problem)) {
    cuda::cudnn_conv2d_backward_weight(grad_y, x, grad_weight, problem);
    return;
  }
#endif
  LEUKO_CUDA_DISPATCH(device, op, conv2d_backward_weight, grad_y, x, grad_weight, problem);
}

}  // namespace leuko
