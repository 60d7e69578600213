// linear: y [N, out] = x [N, in] x weight^T + bias, as torch.nn.functional.linear. One
// sgemm each way (kernels/cpu/matmul.cpp); the bias is written into y first and the GEMM
// adds onto it (beta = 1), so it costs no second pass.
//   dx = dy x W,   dW = dy^T x x,   db = column sums of dy
#include "engine/autograd.h"
#include "engine/cuda_options.h"
#include "engine/dispatch.h"
#include "engine/ops.h"
#include "kernels/cpu/matmul.h"
#include "kernels/cuda/bias_grad.h"

namespace leuko {

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
  if (x.device() == Device::cpu) {
    if (bias.defined()) {
      cpu::broadcast_rows(shift.data<float>(), out.data<float>(), rows, out_features);
    }
    cpu::gemm(false, true, rows, out_features, in, 1.0f, input.data<float>(), in,
              w.data<float>(), in, bias.defined() ? 1.0f : 0.0f, out.data<float>(), out_features);
  } else {  // the bias is added in the GEMM's epilogue
    gpu_linear_forward(x.device(), input.data<float>(), w.data<float>(),
                       bias.defined() ? shift.data<float>() : nullptr, out.data<float>(), rows,
                       in, out_features);
  }

  std::vector<Tensor> inputs{x, weight};
  if (bias.defined()) inputs.push_back(bias);
  return record(out, "linear", inputs,
                [x, weight, bias, input, w, rows, in,
                 out_features](const Tensor& grad_output) -> std::vector<Tensor> {
                  const Tensor grad = grad_output.contiguous();
                  std::vector<Tensor> grads(bias.defined() ? 3 : 2);
                  if (x.requires_grad()) {
                    grads[0] = empty(x.shape(), DType::f32, x.device());
                    if (x.device() == Device::cpu) {
                      cpu::gemm(false, false, rows, in, out_features, 1.0f, grad.data<float>(),
                                out_features, w.data<float>(), in, 0.0f, grads[0].data<float>(),
                                in);
                    } else {
                      gpu_gemm(x.device(), "linear", false, false, 1, rows, in, out_features,
                               1.0f, grad.data<float>(), out_features, 0, w.data<float>(), in, 0,
                               0.0f, grads[0].data<float>(), in, 0);
                    }
                  }
                  if (weight.requires_grad()) {
                    grads[1] = empty(weight.shape(), DType::f32, weight.device());
                    if (x.device() == Device::cpu) {
                      cpu::gemm(true, false, out_features, in, rows, 1.0f, grad.data<float>(),
                                out_features, input.data<float>(), in, 0.0f,
                                grads[1].data<float>(), in);
                    } else {
                      gpu_gemm(x.device(), "linear", true, false, 1, out_features, in, rows,
                               1.0f, grad.data<float>(), out_features, 0, input.data<float>(),
                               in, 0, 0.0f, grads[1].data<float>(), in, 0);
                    }
                  }
                  if (bias.defined() && bias.requires_grad()) {
                    grads[2] = empty(bias.shape(), DType::f32, bias.device());
                    if (x.device() == Device::cpu) {
                      cpu::sum_rows(grad.data<float>(), grads[2].data<float>(), rows,
                                    out_features);
                    } else {  // rows play the batch, each feature a channel of one position
                      LEUKO_CUDA_DISPATCH(x.device(), "linear", channel_sums, grad.data<float>(),
                                          grads[2].data<float>(), rows, out_features, 1);
                    }
                  }
                  return grads;
                });
}

}  // namespace leuko
