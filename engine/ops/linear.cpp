// linear: y [N, out] = x [N, in] x weight^T + bias, as torch.nn.functional.linear. One
// sgemm each way (kernels/cpu/matmul.cpp); the bias is written into y first and the GEMM
// adds onto it (beta = 1), so it costs no second pass.
//   dx = dy x W,   dW = dy^T x x,   db = column sums of dy
#include "engine/autograd.h"
#include "engine/cuda_selected.h"
#include "engine/device_kernels.h"
#include "engine/flop_count.h"
#include "engine/ops.h"
#include "kernels/cpu/matmul.h"
#include "kernels/cuda/bias_grad.h"
#include "kernels/cuda/matmul.h"

namespace leuko {

namespace {

// y [rows, out] = x [rows, in] weight^T + bias (bias may be null). The CPU writes the bias
// into y and lets the GEMM add onto it (beta = 1); a GPU adds it in the GEMM's epilogue.
void cpu_forward(const float* x, const float* weight, const float* bias, float* y, int64_t rows,
                 int64_t in, int64_t out) {
  if (bias != nullptr) cpu::broadcast_rows(bias, y, rows, out);
  cpu::gemm(false, true, rows, out, in, 1.0f, x, in, weight, in, bias != nullptr ? 1.0f : 0.0f, y,
            out);
}

// The gradients' GEMMs are single products: on a GPU a batch of one (on a real GPU cuBLAS's
// or the project's, engine/cuda_selected.h) with the CPU GEMM's signature.
template <auto gemm>
void gpu_gemm(bool transpose_a, bool transpose_b, int64_t m, int64_t n, int64_t k, float alpha,
              const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
              int64_t ldc) {
  gemm(transpose_a, transpose_b, 1, m, n, k, alpha, a, lda, 0, b, ldb, 0, beta, c, ldc, 0);
}

// The bias gradient, column sums of dy: on a GPU the channel sums of a batch of `rows`
// images of one position each.
template <auto channel_sums>
void gpu_sum_rows(const float* x, float* out, int64_t rows, int64_t cols) {
  channel_sums(x, out, rows, cols, 1);
}

constexpr DeviceKernels<decltype(&cpu_forward)> kForward{
    &cpu_forward, LEUKO_REAL_CUDA(&cuda_selected::linear_forward), &cuda_emu::linear_forward};
constexpr DeviceKernels<decltype(&cpu::gemm)> kGemm{
    &cpu::gemm, LEUKO_REAL_CUDA(&gpu_gemm<&cuda_selected::gemm>), &gpu_gemm<&cuda_emu::gemm>};
constexpr DeviceKernels<decltype(&cpu::sum_rows)> kSumRows{
    &cpu::sum_rows, LEUKO_REAL_CUDA(&gpu_sum_rows<&cuda::channel_sums>),
    &gpu_sum_rows<&cuda_emu::channel_sums>};

}  // namespace

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  check_dim(x, 2, "linear", "input [N, in]");
  check_dtype(x, DType::f32, "linear", "input");
  check_dim(weight, 2, "linear", "weight [out, in]");
  check_dtype(weight, DType::f32, "linear", "weight");
  check_same_device(x, weight, "linear");
  const int64_t rows = x.size(0), in = x.size(1), out_features = weight.size(0);
  LEUKO_CHECK(weight.size(1) == in, "linear: input has ", in, " features, weight expects ",
              weight.size(1), " (input ", to_string(x.shape()), ", weight [out, in] ",
              to_string(weight.shape()), ")");
  if (bias.defined()) {
    check_dtype(bias, DType::f32, "linear", "bias");
    check_same_device(x, bias, "linear");
    LEUKO_CHECK(bias.shape() == Shape{out_features}, "linear: bias must be [", out_features,
                "] (one per output feature), got ", to_string(bias.shape()));
  }

  const Tensor input = x.detach().contiguous(), w = weight.detach().contiguous();
  Tensor out = empty({rows, out_features}, DType::f32, x.device());
  const Tensor shift = bias.defined() ? bias.detach().contiguous() : Tensor();
  kForward.on(x.device(), "linear")(input.data<float>(), w.data<float>(),
                                    bias.defined() ? shift.data<float>() : nullptr,
                                    out.data<float>(), rows, in, out_features);
  add_flops(2 * rows * in * out_features);

  std::vector<Tensor> inputs{x, weight};
  if (bias.defined()) inputs.push_back(bias);
  return record(out, "linear", inputs,
                [x, weight, bias, input, w, rows, in,
                 out_features](const Tensor& grad_output) -> std::vector<Tensor> {
                  const Tensor grad = grad_output.contiguous();
                  std::vector<Tensor> grads(bias.defined() ? 3 : 2);
                  if (x.requires_grad()) {  // dx = dy x W
                    grads[0] = empty(x.shape(), DType::f32, x.device());
                    kGemm.on(x.device(), "linear")(
                        false, false, rows, in, out_features, 1.0f, grad.data<float>(),
                        out_features, w.data<float>(), in, 0.0f, grads[0].data<float>(), in);
                  }
                  if (weight.requires_grad()) {  // dW = dy^T x x
                    grads[1] = empty(weight.shape(), DType::f32, weight.device());
                    kGemm.on(x.device(), "linear")(
                        true, false, out_features, in, rows, 1.0f, grad.data<float>(), out_features,
                        input.data<float>(), in, 0.0f, grads[1].data<float>(), in);
                  }
                  if (bias.defined() && bias.requires_grad()) {
                    grads[2] = empty(bias.shape(), DType::f32, bias.device());
                    kSumRows.on(x.device(), "linear")(grad.data<float>(), grads[2].data<float>(),
                                                      rows, out_features);
                  }
                  return grads;
                });
}

}  // namespace leuko
