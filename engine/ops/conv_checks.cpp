#include "engine/ops/conv_checks.h"

#include "engine/error.h"

namespace leuko {

std::string pair_text(Size2 s) { return cat(s.h, "x", s.w); }

void check_conv_arguments(const char* op, const Tensor& x, const Tensor& weight,
                          const ConvWeightLayout& layout, Size2 stride, Size2 padding,
                          Size2 dilation) {
  check_dim(x, 4, op, "input [N, C, H, W]");
  check_dtype(x, DType::f32, op, "input");
  check_dim(weight, 4, op, cat(layout.name, " ", layout.dims).c_str());
  check_dtype(weight, DType::f32, op, layout.name);
  check_same_device(x, weight, op);
  const int64_t in_channels = weight.size(layout.in_channels_dim);
  LEUKO_CHECK(x.size(1) == in_channels, op, ": input has ", x.size(1), " channels, ", layout.name,
              " expects ", in_channels, " (input ", to_string(x.shape()), ", ", layout.name, " ",
              to_string(weight.shape()), ")");
  LEUKO_CHECK(stride.h > 0 && stride.w > 0, op, ": stride must be positive, got ",
              pair_text(stride));
  LEUKO_CHECK(dilation.h > 0 && dilation.w > 0, op, ": dilation must be positive, got ",
              pair_text(dilation));
  LEUKO_CHECK(padding.h >= 0 && padding.w >= 0, op, ": padding must be >= 0, got ",
              pair_text(padding));
}

void check_conv_bias(const char* op, const Tensor& x, const Tensor& bias, int64_t out_channels) {
  if (!bias.defined()) return;
  check_dtype(bias, DType::f32, op, "bias");
  check_same_device(x, bias, op);
  LEUKO_CHECK(bias.shape() == Shape{out_channels}, op, ": bias must be [", out_channels,
              "] (one per output channel), got ", to_string(bias.shape()));
}

ConvGeometry conv2d_geometry(const char* op, const Shape& input, const Shape& weight, Size2 stride,
                             Size2 padding, Size2 dilation) {
  const int64_t kernel_h = weight[2], kernel_w = weight[3];
  const int64_t span_h = dilation.h * (kernel_h - 1) + 1;  // the dilated kernel's extent
  const int64_t span_w = dilation.w * (kernel_w - 1) + 1;
  const int64_t padded_h = input[2] + 2 * padding.h, padded_w = input[3] + 2 * padding.w;
  const bool dilated = dilation.h > 1 || dilation.w > 1;
  LEUKO_CHECK(span_h <= padded_h && span_w <= padded_w, op, ": kernel ", kernel_h, "x", kernel_w,
              dilated ? cat(" (", span_h, "x", span_w, " dilated)") : std::string(),
              " is larger than the padded input ", padded_h, "x", padded_w, " (input ",
              to_string(input), ", padding ", pair_text(padding), ")");
  return {.batch = input[0],
          .channels = input[1],
          .height = input[2],
          .width = input[3],
          .out_channels = weight[0],
          .kernel_h = kernel_h,
          .kernel_w = kernel_w,
          .stride_h = stride.h,
          .stride_w = stride.w,
          .pad_h = padding.h,
          .pad_w = padding.w,
          .dilation_h = dilation.h,
          .dilation_w = dilation.w,
          .out_h = (padded_h - span_h) / stride.h + 1,
          .out_w = (padded_w - span_w) / stride.w + 1};
}

}  // namespace leuko
