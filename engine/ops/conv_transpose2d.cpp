// conv_transpose2d: argument checks, the output size, dispatch to the kernels (conv2d's,
// with the roles of forward and input gradient swapped) and the autograd node.
#include "kernels/cpu/conv_transpose2d.h"

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

// On a GPU the kernels are conv2d's launchers in swapped roles (on a real GPU cuDNN's or the
// project's, engine/cuda_selected.h); these adapters give them the CPU kernels' signatures.
// The forward is conv2d's input gradient with the bias, which has that signature already.
template <auto conv2d_forward>  // the input gradient: conv2d's forward of grad_y
void gpu_backward_input(const float* grad_y, const float* weight, float* grad_x,
                        const ConvGeometry& g) {
  conv2d_forward(grad_y, weight, nullptr, grad_x, g);
}
template <auto conv2d_backward_weight>  // conv2d's weight gradient, x in the output's role
void gpu_backward_weight(const float* grad_y, const float* x, float* grad_weight,
                         const ConvGeometry& g) {
  conv2d_backward_weight(x, grad_y, grad_weight, g);
}
template <auto channel_sums>  // each output channel's sum over the batch and the positions
void gpu_backward_bias(const float* grad_y, float* grad_bias, const ConvGeometry& g) {
  channel_sums(grad_y, grad_bias, g.batch, g.channels, g.height * g.width);
}

constexpr DeviceKernels<decltype(&cpu::conv_transpose2d_forward)> kForward{
    &cpu::conv_transpose2d_forward, LEUKO_REAL_CUDA(&cuda_selected::conv2d_backward_input),
    &cuda_emu::conv2d_backward_input};
constexpr DeviceKernels<decltype(&cpu::conv_transpose2d_backward_input)> kBackwardInput{
    &cpu::conv_transpose2d_backward_input,
    LEUKO_REAL_CUDA(&gpu_backward_input<&cuda_selected::conv2d_forward>),
    &gpu_backward_input<&cuda_emu::conv2d_forward>};
constexpr DeviceKernels<decltype(&cpu::conv_transpose2d_backward_weight)> kBackwardWeight{
    &cpu::conv_transpose2d_backward_weight,
    LEUKO_REAL_CUDA(&gpu_backward_weight<&cuda_selected::conv2d_backward_weight>),
    &gpu_backward_weight<&cuda_emu::conv2d_backward_weight>};
constexpr DeviceKernels<decltype(&cpu::conv_transpose2d_backward_bias)> kBackwardBias{
    &cpu::conv_transpose2d_backward_bias, LEUKO_REAL_CUDA(&gpu_backward_bias<&cuda::channel_sums>),
    &gpu_backward_bias<&cuda_emu::channel_sums>};

}  // namespace

Tensor conv_transpose2d(const Tensor& x, const Tensor& weight, const Tensor& bias, Size2 stride,
                        Size2 padding, Size2 output_padding, Size2 dilation) {
  const char* op = "conv_transpose2d";
  check_conv_arguments(op, x, weight, {"weight", "[C_in, C_out, kh, kw]", 0}, stride, padding,
                       dilation);
  const int64_t out_channels = weight.size(1);
  check_conv_bias(op, x, bias, out_channels);
  // As in PyTorch: extra rows beyond what any input pixel reaches make no sense otherwise.
  LEUKO_CHECK(output_padding.h >= 0 && output_padding.w >= 0 &&
                  (output_padding.h < stride.h || output_padding.h < dilation.h) &&
                  (output_padding.w < stride.w || output_padding.w < dilation.w),
              op, ": output_padding ", pair_text(output_padding),
              " must be smaller than either stride ", pair_text(stride), " or dilation ",
              pair_text(dilation));

  const int64_t kernel_h = weight.size(2), kernel_w = weight.size(3);
  const int64_t height = (x.size(2) - 1) * stride.h - 2 * padding.h + dilation.h * (kernel_h - 1) +
                         output_padding.h + 1;
  const int64_t width = (x.size(3) - 1) * stride.w - 2 * padding.w + dilation.w * (kernel_w - 1) +
                        output_padding.w + 1;
  LEUKO_CHECK(height > 0 && width > 0, op, ": output size ", height, "x", width,
              " is not positive (input ", to_string(x.shape()), ", kernel ", kernel_h, "x",
              kernel_w, ", stride ", pair_text(stride), ", padding ", pair_text(padding), ")");
  // g is the conv2d that maps the output grid back onto the input grid, by the same weight
  // read as conv2d's [out, in, kh, kw]. Its output grid is x's: conv2d's size would be
  // x.size(2) + output_padding.h / stride.h rows (likewise columns), more than x's where
  // output_padding reaches the stride (allowed below the dilation).
  ConvGeometry g = conv2d_geometry(op, {x.size(0), out_channels, height, width}, weight.shape(),
                                   stride, padding, dilation);
  g.out_h = x.size(2);
  g.out_w = x.size(3);

  const Tensor input = x.detach().contiguous();
  const Tensor filters = weight.detach().contiguous();
  const Tensor shift = bias.defined() ? bias.detach().contiguous() : Tensor();
  Tensor out = empty({g.batch, out_channels, g.height, g.width}, DType::f32, x.device());
  const float* bias_data = shift.defined() ? shift.data<float>() : nullptr;
  kForward.on(x.device(), op)(input.data<float>(), filters.data<float>(), bias_data,
                              out.data<float>(), g);
  add_flops(conv_flops(g));

  std::vector<Tensor> inputs{x, weight};
  if (bias.defined()) inputs.push_back(bias);
  return record(
      out, op, inputs,
      [x, weight, bias, input, filters, g](const Tensor& grad_output) -> std::vector<Tensor> {
        const Tensor grad = grad_output.contiguous();
        std::vector<Tensor> grads(bias.defined() ? 3 : 2);
        if (x.requires_grad()) {
          grads[0] = empty(x.shape(), DType::f32, x.device());
          kBackwardInput.on(x.device(), "conv_transpose2d")(
              grad.data<float>(), filters.data<float>(), grads[0].data<float>(), g);
        }
        if (weight.requires_grad()) {
          grads[1] = empty(weight.shape(), DType::f32, weight.device());
          kBackwardWeight.on(x.device(), "conv_transpose2d")(
              grad.data<float>(), input.data<float>(), grads[1].data<float>(), g);
        }
        if (bias.defined() && bias.requires_grad()) {
          grads[2] = empty(bias.shape(), DType::f32, bias.device());
          kBackwardBias.on(x.device(), "conv_transpose2d")(grad.data<float>(),
                                                           grads[2].data<float>(), g);
        }
        return grads;
      });
}

}  // namespace leuko
