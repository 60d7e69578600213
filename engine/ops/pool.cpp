// max_pool2d, avg_pool2d and global_avg_pool on [N, C, H, W], with PyTorch's output sizes,
// padding and ceil_mode rules. Max pooling saves the winners' indices for its backward.
#include <cstdint>

#include "engine/autograd.h"
#include "engine/device_kernels.h"
#include "engine/ops.h"
#include "kernels/cpu/pool.h"
#include "kernels/cuda/pool.h"

namespace leuko {

// PyTorch's pooling_output_shape: floor (or ceil) of (in + 2*pad - kernel) / stride + 1, and
// in ceil_mode the last window must start inside the input or its left padding.
static int64_t pooled_size(int64_t in, int64_t kernel, int64_t stride, int64_t pad,
                           bool ceil_mode) {
  const int64_t span = in + 2 * pad - kernel + (ceil_mode ? stride - 1 : 0);
  // Division rounding toward -infinity: a kernel larger than the padded input gives size 0.
  const int64_t floor_div = span >= 0 ? span / stride : -((-span + stride - 1) / stride);
  int64_t out = floor_div + 1;
  if (ceil_mode && (out - 1) * stride >= in + pad) --out;
  return out;
}

static Pool2dShape pool_shape(const Tensor& x, Size2 kernel, Size2 stride, Size2 padding,
                              bool ceil_mode, const char* op) {
  check_dtype(x, DType::f32, op, "input");
  check_dim(x, 4, op, "input [N, C, H, W]");
  LEUKO_CHECK(kernel.h > 0 && kernel.w > 0, op, ": kernel size must be positive, got (", kernel.h,
              ", ", kernel.w, ")");
  LEUKO_CHECK(stride.h > 0 && stride.w > 0, op, ": stride must be positive, got (", stride.h, ", ",
              stride.w, ")");
  LEUKO_CHECK(
      padding.h >= 0 && padding.w >= 0 && padding.h <= kernel.h / 2 && padding.w <= kernel.w / 2,
      op, ": padding must be at most half the kernel size, got padding (", padding.h, ", ",
      padding.w, ") for kernel (", kernel.h, ", ", kernel.w, ")");
  Pool2dShape s{};
  s.planes = x.size(0) * x.size(1);
  s.in_h = x.size(2);
  s.in_w = x.size(3);
  s.kernel_h = kernel.h;
  s.kernel_w = kernel.w;
  s.stride_h = stride.h;
  s.stride_w = stride.w;
  s.pad_h = padding.h;
  s.pad_w = padding.w;
  s.out_h = pooled_size(s.in_h, kernel.h, stride.h, padding.h, ceil_mode);
  s.out_w = pooled_size(s.in_w, kernel.w, stride.w, padding.w, ceil_mode);
  LEUKO_CHECK(s.out_h >= 1 && s.out_w >= 1, op, ": kernel (", kernel.h, ", ", kernel.w,
              ") is larger than the padded input: input ", to_string(x.shape()), " with padding (",
              padding.h, ", ", padding.w, ") gives output size ", s.out_h, "x", s.out_w);
  return s;
}

Tensor max_pool2d(const Tensor& x, Size2 kernel, Size2 stride, Size2 padding, bool ceil_mode) {
  const Pool2dShape s = pool_shape(x, kernel, stride, padding, ceil_mode, "max_pool2d");
  const Tensor input = x.contiguous();
  const Shape out_shape{x.size(0), x.size(1), s.out_h, s.out_w};
  Tensor out = empty(out_shape, DType::f32, x.device());
  LEUKO_CHECK(s.in_h * s.in_w <= INT32_MAX, "max_pool2d: a ", s.in_h, "x", s.in_w,
              " plane has too many pixels for int32 winner indices");
  Tensor indices = empty(out_shape, DType::i32, x.device());
  LEUKO_DEVICE_KERNELS(max_pool2d_forward)
      .on(x.device(), "max_pool2d")(input.data<float>(), s, out.data<float>(),
                                    indices.data<int32_t>());
  const Shape in_shape = x.shape();
  return record(out, "max_pool2d", {x},
                [s, indices, in_shape](const Tensor& grad_out) -> std::vector<Tensor> {
                  const Tensor g = grad_out.contiguous();
                  Tensor grad_x = empty(in_shape, DType::f32, g.device());
                  LEUKO_DEVICE_KERNELS(max_pool2d_backward)
                      .on(g.device(), "max_pool2d")(g.data<float>(), indices.data<int32_t>(), s,
                                                    grad_x.data<float>());
                  return {grad_x};
                });
}

Tensor avg_pool2d(const Tensor& x, Size2 kernel, Size2 stride, Size2 padding, bool ceil_mode,
                  bool count_include_pad) {
  const Pool2dShape s = pool_shape(x, kernel, stride, padding, ceil_mode, "avg_pool2d");
  const Tensor input = x.contiguous();
  Tensor out = empty({x.size(0), x.size(1), s.out_h, s.out_w}, DType::f32, x.device());
  LEUKO_DEVICE_KERNELS(avg_pool2d_forward)
      .on(x.device(), "avg_pool2d")(input.data<float>(), s, count_include_pad, out.data<float>());
  const Shape in_shape = x.shape();
  return record(out, "avg_pool2d", {x},
                [s, count_include_pad, in_shape](const Tensor& grad_out) -> std::vector<Tensor> {
                  const Tensor g = grad_out.contiguous();
                  Tensor grad_x = empty(in_shape, DType::f32, g.device());
                  LEUKO_DEVICE_KERNELS(avg_pool2d_backward)
                      .on(g.device(), "avg_pool2d")(g.data<float>(), s, count_include_pad,
                                                    grad_x.data<float>());
                  return {grad_x};
                });
}

Tensor global_avg_pool(const Tensor& x) {
  check_dtype(x, DType::f32, "global_avg_pool", "input");
  check_dim(x, 4, "global_avg_pool", "input [N, C, H, W]");
  LEUKO_CHECK(x.size(2) * x.size(3) > 0, "global_avg_pool: input has an empty plane, shape ",
              to_string(x.shape()));
  const int64_t planes = x.size(0) * x.size(1), plane_size = x.size(2) * x.size(3);
  const Tensor input = x.contiguous();
  Tensor out = empty({x.size(0), x.size(1), 1, 1}, DType::f32, x.device());
  LEUKO_DEVICE_KERNELS(global_avg_pool_forward)
      .on(x.device(), "global_avg_pool")(input.data<float>(), planes, plane_size,
                                         out.data<float>());
  const Shape in_shape = x.shape();
  return record(out, "global_avg_pool", {x},
                [planes, plane_size, in_shape](const Tensor& grad_out) -> std::vector<Tensor> {
                  const Tensor g = grad_out.contiguous();
                  Tensor grad_x = empty(in_shape, DType::f32, g.device());
                  LEUKO_DEVICE_KERNELS(global_avg_pool_backward)
                      .on(g.device(), "global_avg_pool")(g.data<float>(), planes, plane_size,
                                                         grad_x.data<float>());
                  return {grad_x};
                });
}

}  // namespace leuko
