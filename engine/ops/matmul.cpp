// matmul: [M,K] x [K,N], or batched [B,M,K] x [B,K,N]; argument checks, dispatch to the
// sgemm kernels, and the autograd node (dA = dC x B^T, dB = A^T x dC).
#include "kernels/cpu/matmul.h"

#include "engine/autograd.h"
#include "engine/cuda_selected.h"
#include "engine/device_kernels.h"
#include "engine/flop_count.h"
#include "engine/ops.h"
#include "kernels/cuda/matmul.h"

namespace leuko {

namespace {

// On a GPU each product is one batched GEMM (on a real GPU cuBLAS's or the project's,
// engine/cuda_selected.h) with the CPU kernels' signatures: out[i] = a[i] x b[i] and the two
// gradients, a [batch, m, k], b [batch, k, n], out [batch, m, n], all contiguous.
template <auto gemm>
void gpu_forward(const float* a, const float* b, float* out, int64_t batch, int64_t m, int64_t k,
                 int64_t n) {
  gemm(false, false, batch, m, n, k, 1.0f, a, k, m * k, b, n, k * n, 0.0f, out, n, m * n);
}
template <auto gemm>  // grad_a = grad_out [m, n] x b^T
void gpu_backward_a(const float* grad_out, const float* b, float* grad_a, int64_t batch, int64_t m,
                    int64_t k, int64_t n) {
  gemm(false, true, batch, m, k, n, 1.0f, grad_out, n, m * n, b, n, k * n, 0.0f, grad_a, k, m * k);
}
template <auto gemm>  // grad_b = a^T x grad_out [m, n]
void gpu_backward_b(const float* a, const float* grad_out, float* grad_b, int64_t batch, int64_t m,
                    int64_t k, int64_t n) {
  gemm(true, false, batch, k, n, m, 1.0f, a, k, m * k, grad_out, n, m * n, 0.0f, grad_b, n, k * n);
}

constexpr DeviceKernels<decltype(&cpu::matmul_forward)> kForward{
    &cpu::matmul_forward, LEUKO_REAL_CUDA(&gpu_forward<&cuda_selected::gemm>),
    &gpu_forward<&cuda_emu::gemm>};
constexpr DeviceKernels<decltype(&cpu::matmul_backward_a)> kBackwardA{
    &cpu::matmul_backward_a, LEUKO_REAL_CUDA(&gpu_backward_a<&cuda_selected::gemm>),
    &gpu_backward_a<&cuda_emu::gemm>};
constexpr DeviceKernels<decltype(&cpu::matmul_backward_b)> kBackwardB{
    &cpu::matmul_backward_b, LEUKO_REAL_CUDA(&gpu_backward_b<&cuda_selected::gemm>),
    &gpu_backward_b<&cuda_emu::gemm>};

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
  check_defined(a, "matmul", "first operand");
  check_defined(b, "matmul", "second operand");
  check_dtype(a, DType::f32, "matmul", "first operand");
  check_dtype(b, DType::f32, "matmul", "second operand");
  check_same_device(a, b, "matmul");
  LEUKO_CHECK(
      (a.dim() == 2 || a.dim() == 3) && a.dim() == b.dim(),
      "matmul: operands must both be 2-D [M, K] x [K, N] or both 3-D [B, M, K] x [B, K, N], got ",
      to_string(a.shape()), " x ", to_string(b.shape()));
  const bool batched = a.dim() == 3;
  const int64_t batch = batched ? a.size(0) : 1;
  const int64_t m = a.size(-2), k = a.size(-1), n = b.size(-1);
  LEUKO_CHECK(b.size(-2) == k, "matmul: inner dimensions differ (", k, " vs ", b.size(-2),
              "): ", to_string(a.shape()), " x ", to_string(b.shape()));
  LEUKO_CHECK(!batched || b.size(0) == batch, "matmul: batch sizes differ (", batch, " vs ",
              b.size(0), "): ", to_string(a.shape()), " x ", to_string(b.shape()));

  const Tensor left = a.detach().contiguous(), right = b.detach().contiguous();
  Tensor out = empty(batched ? Shape{batch, m, n} : Shape{m, n}, DType::f32, a.device());
  kForward.on(a.device(), "matmul")(left.data<float>(), right.data<float>(), out.data<float>(),
                                    batch, m, k, n);
  add_flops(2 * batch * m * k * n);
  return record(
      out, "matmul", {a, b},
      [a, b, left, right, batch, m, k, n](const Tensor& grad_output) -> std::vector<Tensor> {
        const Tensor grad = grad_output.contiguous();
        Tensor grad_a, grad_b;
        if (a.requires_grad()) {
          grad_a = empty(a.shape(), DType::f32, a.device());
          kBackwardA.on(a.device(), "matmul")(grad.data<float>(), right.data<float>(),
                                              grad_a.data<float>(), batch, m, k, n);
        }
        if (b.requires_grad()) {
          grad_b = empty(b.shape(), DType::f32, b.device());
          kBackwardB.on(a.device(), "matmul")(left.data<float>(), grad.data<float>(),
                                              grad_b.data<float>(), batch, m, k, n);
        }
        return {grad_a, grad_b};
      });
}

}  // namespace leuko
