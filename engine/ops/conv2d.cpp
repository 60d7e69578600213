// conv2d: argument checks, dispatch to the im2col + GEMM kernels (the CPU's; on a GPU cuDNN's
// or the project's implicit GEMM), and the autograd node whose backward computes only the
// gradients its inputs need.
#include "kernels/cpu/conv2d.h"

#include "engine/autograd.h"
#include "engine/cuda_selected.h"
#include "engine/device_kernels.h"
#include "engine/flop_count.h"
#include "engine/ops.h"
#include "engine/ops/conv_checks.h"
#include "kernels/cuda/bias_grad.h"
#include "kernels/cuda/conv2d.h"

namespace leuko {

namespace {

// The GPU's input gradient also adds a bias (conv_transpose2d's forward is that call); conv2d
// has none to add.
template <auto backward_input>
void gpu_backward_input(const float* grad_y, const float* weight, float* grad_x,
                        const ConvGeometry& g) {
  backward_input(grad_y, weight, nullptr, grad_x, g);
}

constexpr DeviceKernels<decltype(&cpu::conv2d_forward)> kForward{
    &cpu::conv2d_forward, LEUKO_REAL_CUDA(&cuda_selected::conv2d_forward),
    &cuda_emu::conv2d_forward};
constexpr DeviceKernels<decltype(&cpu::conv2d_backward_input)> kBackwardInput{
    &cpu::conv2d_backward_input,
    LEUKO_REAL_CUDA(&gpu_backward_input<&cuda_selected::conv2d_backward_input>),
    &gpu_backward_input<&cuda_emu::conv2d_backward_input>};
constexpr DeviceKernels<decltype(&cpu::conv2d_backward_weight)> kBackwardWeight{
    &cpu::conv2d_backward_weight, LEUKO_REAL_CUDA(&cuda_selected::conv2d_backward_weight),
    &cuda_emu::conv2d_backward_weight};
// The bias gradient: each output channel's sum over the batch and the positions.
constexpr DeviceKernels<decltype(&cpu::conv2d_backward_bias)> kBackwardBias{
    &cpu::conv2d_backward_bias, LEUKO_REAL_CUDA(&cuda::channel_sums), &cuda_emu::channel_sums};

}  // namespace

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, Size2 stride,
              Size2 padding, Size2 dilation) {
  check_conv_arguments("conv2d", x, weight, {"weight", "[out, in, kh, kw]", 1}, stride, padding,
                       dilation);
  const int64_t out_channels = weight.size(0);
  check_conv_bias("conv2d", x, bias, out_channels);
  const ConvGeometry g =
      conv2d_geometry("conv2d", x.shape(), weight.shape(), stride, padding, dilation);

  const Tensor input = x.detach().contiguous();
  const Tensor filters = weight.detach().contiguous();
  const Tensor shift = bias.defined() ? bias.detach().contiguous() : Tensor();
  Tensor out = empty({g.batch, out_channels, g.out_h, g.out_w}, DType::f32, x.device());
  const float* bias_data = shift.defined() ? shift.data<float>() : nullptr;
  kForward.on(x.device(), "conv2d")(input.data<float>(), filters.data<float>(), bias_data,
                                    out.data<float>(), g);
  add_flops(conv_flops(g));

  std::vector<Tensor> inputs{x, weight};
  if (bias.defined()) inputs.push_back(bias);
  return record(
      out, "conv2d", inputs,
      [x, weight, bias, input, filters, g](const Tensor& grad_output) -> std::vector<Tensor> {
        const Tensor grad = grad_output.contiguous();
        std::vector<Tensor> grads(bias.defined() ? 3 : 2);
        if (x.requires_grad()) {
          grads[0] = empty(x.shape(), DType::f32, x.device());
          kBackwardInput.on(x.device(), "conv2d")(grad.data<float>(), filters.data<float>(),
                                                  grads[0].data<float>(), g);
        }
        if (weight.requires_grad()) {
          grads[1] = empty(weight.shape(), DType::f32, weight.device());
          kBackwardWeight.on(x.device(), "conv2d")(grad.data<float>(), input.data<float>(),
                                                   grads[1].data<float>(), g);
        }
        if (bias.defined() && bias.requires_grad()) {
          grads[2] = empty(bias.shape(), DType::f32, bias.device());
          kBackwardBias.on(x.device(), "conv2d")(grad.data<float>(), grads[2].data<float>(),
                                                 g.batch, g.out_channels, g.positions());
        }
        return grads;
      });
}

}  // namespace leuko
