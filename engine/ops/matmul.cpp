// matmul: [M,K] x [K,N], or batched [B,M,K] x [B,K,N]; argument checks, dispatch to the
// sgemm kernels, and the autograd node (dA = dC x B^T, dB = A^T x dC).
#include "engine/autograd.h"
#include "engine/cuda_options.h"
#include "engine/dispatch.h"
#include "engine/ops.h"
#include "kernels/cpu/matmul.h"

namespace leuko {

Tensor matmul(const Tensor& a, const Tensor& b) {
  check_defined(a, "matmul", "first operand");
  check_defined(b, "matmul", "second operand");
  check_dtype(a, DType::f32, "matmul", "first operand");
  check_dtype(b, DType::f32, "matmul", "second operand");
  check_same_device(a, b, "matmul");
  LEUKO_CHECK((a.dim() == 2 || a.dim() == 3) && a.dim() == b.dim(),
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
  if (a.device() == Device::cpu) {
    cpu::matmul_forward(left.data<float>(), right.data<float>(), out.data<float>(), batch, m, k,
                        n);
  } else {
    gpu_gemm(a.device(), "matmul", false, false, batch, m, n, k, 1.0f, left.data<float>(), k,
             m * k, right.data<float>(), n, k * n, 0.0f, out.data<float>(), n, m * n);
  }
  return record(out, "matmul", {a, b},
                [a, b, left, right, batch, m, k, n](const Tensor& grad_output) -> std::vector<Tensor> {
                  const Tensor grad = grad_output.contiguous();
                  Tensor grad_a, grad_b;
                  if (a.requires_grad()) {
                    grad_a = empty(a.shape(), DType::f32, a.device());
                    if (a.device() == Device::cpu) {
                      cpu::matmul_backward_a(grad.data<float>(), right.data<float>(),
                                             grad_a.data<float>(), batch, m, k, n);
                    } else {  // dC [m, n] x B^T
                      gpu_gemm(a.device(), "matmul", false, true, batch, m, k, n, 1.0f,
                               grad.data<float>(), n, m * n, right.data<float>(), n, k * n, 0.0f,
                               grad_a.data<float>(), k, m * k);
                    }
                  }
                  if (b.requires_grad()) {
                    grad_b = empty(b.shape(), DType::f32, b.device());
                    if (a.device() == Device::cpu) {
                      cpu::matmul_backward_b(left.data<float>(), grad.data<float>(),
                                             grad_b.data<float>(), batch, m, k, n);
                    } else {  // A^T x dC [m, n]
                      gpu_gemm(a.device(), "matmul", true, false, batch, k, n, m, 1.0f,
                               left.data<float>(), k, m * k, grad.data<float>(), n, m * n, 0.0f,
                               grad_b.data<float>(), n, k * n);
                    }
                  }
                  return {grad_a, grad_b};
                });
}

}  // namespace leuko
