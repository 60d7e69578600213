// conv2d: argument checks, dispatch to the im2col + GEMM kernels (the CPU's; on a GPU cuDNN's
// or the project's implicit GEMM), and the autograd node whose backward computes only the
// gradients its inputs need.
#include "kernels/cpu/conv2d.h"

#include <string>

#include "engine/autograd.h"
#include "engine/cuda_selected.h"
#include "engine/device_kernels.h"
#include "engine/ops.h"
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

std::string pair_text(Size2 s) { return cat(s.h, "x", s.w); }

}  // namespace

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, Size2 stride,
              Size2 padding, Size2 dilation) {
  check_dim(x, 4, "conv2d", "input [N, C, H, W]");
  check_dtype(x, DType::f32, "conv2d", "input");
  check_dim(weight, 4, "conv2d", "weight [out, in, kh, kw]");
  check_dtype(weight, DType::f32, "conv2d", "weight");
  check_same_device(x, weight, "conv2d");
  const int64_t out_channels = weight.size(0);
  LEUKO_CHECK(x.size(1) == weight.size(1), "conv2d: input has ", x.size(1),
              " channels, weight expects ", weight.size(1), " (input ", to_string(x.shape()),
              ", weight ", to_string(weight.shape()), ")");
  if (bias.defined()) {
    check_dtype(bias, DType::f32, "conv2d", "bias");
    check_same_device(x, bias, "conv2d");
    LEUKO_CHECK(bias.shape() == Shape{out_channels}, "conv2d: bias must be [", out_channels,
                "] (one per output channel), got ", to_string(bias.shape()));
  }
  LEUKO_CHECK(stride.h > 0 && stride.w > 0, "conv2d: stride must be positive, got ",
              pair_text(stride));
  LEUKO_CHECK(dilation.h > 0 && dilation.w > 0, "conv2d: dilation must be positive, got ",
              pair_text(dilation));
  LEUKO_CHECK(padding.h >= 0 && padding.w >= 0, "conv2d: padding must be >= 0, got ",
              pair_text(padding));

  ConvGeometry g{};
  g.batch = x.size(0);
  g.channels = x.size(1);
  g.height = x.size(2);
  g.width = x.size(3);
  g.out_channels = out_channels;
  g.kernel_h = weight.size(2);
  g.kernel_w = weight.size(3);
  g.stride_h = stride.h;
  g.stride_w = stride.w;
  g.pad_h = padding.h;
  g.pad_w = padding.w;
  g.dilation_h = dilation.h;
  g.dilation_w = dilation.w;
  const int64_t span_h = dilation.h * (g.kernel_h - 1) + 1;  // the dilated kernel's extent
  const int64_t span_w = dilation.w * (g.kernel_w - 1) + 1;
  LEUKO_CHECK(span_h <= g.height + 2 * padding.h && span_w <= g.width + 2 * padding.w,
              "conv2d: kernel ", g.kernel_h, "x", g.kernel_w, " (", span_h, "x", span_w,
              " dilated) is larger than the padded input ", g.height + 2 * padding.h, "x",
              g.width + 2 * padding.w, " (input ", to_string(x.shape()), ", padding ",
              pair_text(padding), ")");
  g.out_h = (g.height + 2 * padding.h - span_h) / stride.h + 1;
  g.out_w = (g.width + 2 * padding.w - span_w) / stride.w + 1;

  const Tensor input = x.detach().contiguous();
  const Tensor filters = weight.detach().contiguous();
  const Tensor shift = bias.defined() ? bias.detach().contiguous() : Tensor();
  Tensor out = empty({g.batch, out_channels, g.out_h, g.out_w}, DType::f32, x.device());
  const float* bias_data = shift.defined() ? shift.data<float>() : nullptr;
  kForward.on(x.device(), "conv2d")(input.data<float>(), filters.data<float>(), bias_data,
                                    out.data<float>(), g);

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
