// softmax and log_softmax along any dimension (negative counts from the end). The input is
// viewed as [outer, size, inner] around `dim`, which the kernels walk directly, so no
// transposed copy is made. Both backward passes need only the saved output.
#include "kernels/cpu/softmax.h"

#include <algorithm>

#include "engine/autograd.h"
#include "engine/device_kernels.h"
#include "engine/ops.h"
#include "kernels/cuda/softmax.h"

namespace leuko {

namespace {

// The [outer, size, inner] view of a contiguous tensor around one of its dimensions.
struct AxisView {
  int64_t outer = 1, size = 1, inner = 1;
};

AxisView axis_view(const Tensor& x, int64_t dim, const char* op) {
  const int64_t n = x.dim();
  // A 0-d tensor is treated as [1], as PyTorch does: dims 0 and -1 are accepted.
  const int64_t rank = std::max<int64_t>(n, 1);
  LEUKO_CHECK(dim >= -rank && dim < rank, op, ": dim ", dim, " is out of range for shape ",
              to_string(x.shape()), " (expected ", -rank, " <= dim < ", rank, ")");
  if (dim < 0) dim += rank;
  AxisView view;
  for (int64_t d = 0; d < n; ++d) {
    if (d < dim) view.outer *= x.shape()[d];
    if (d == dim) view.size = x.shape()[d];
    if (d > dim) view.inner *= x.shape()[d];
  }
  return view;
}

using ForwardKernel = void (*)(const float* x, float* y, int64_t outer, int64_t size,
                               int64_t inner);
using BackwardKernel = void (*)(const float* y, const float* grad_y, float* grad_x, int64_t outer,
                                int64_t size, int64_t inner);

Tensor normalize_along(const Tensor& x, int64_t dim, const char* op,
                       const DeviceKernels<ForwardKernel>& forward_kernels,
                       const DeviceKernels<BackwardKernel>& backward_kernels) {
  check_dtype(x, DType::f32, op, "input");
  const ForwardKernel forward = forward_kernels.on(x.device(), op);
  const BackwardKernel backward = backward_kernels.on(x.device(), op);
  const AxisView view = axis_view(x, dim, op);
  const Tensor input = x.is_contiguous() ? x : x.clone();
  Tensor y = empty(x.shape(), DType::f32, x.device());
  forward(input.data<float>(), y.data<float>(), view.outer, view.size, view.inner);
  const Tensor saved = y.detach();
  return record(y, op, {x}, [saved, view, backward](const Tensor& grad_y) -> std::vector<Tensor> {
    const Tensor g = grad_y.is_contiguous() ? grad_y : grad_y.clone();
    Tensor grad_x = empty_like(saved);
    backward(saved.data<float>(), g.data<float>(), grad_x.data<float>(), view.outer, view.size,
             view.inner);
    return {grad_x};
  });
}

}  // namespace

Tensor softmax(const Tensor& x, int64_t dim) {
  return normalize_along(x, dim, "softmax", LEUKO_DEVICE_KERNELS(softmax_forward),
                         LEUKO_DEVICE_KERNELS(softmax_backward));
}

Tensor log_softmax(const Tensor& x, int64_t dim) {
  return normalize_along(x, dim, "log_softmax", LEUKO_DEVICE_KERNELS(log_softmax_forward),
                         LEUKO_DEVICE_KERNELS(log_softmax_backward));
}

}  // namespace leuko
