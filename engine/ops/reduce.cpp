// sum and mean over all elements or chosen dims; backward broadcasts the gradient back.
#include "kernels/cpu/reduce.h"

#include <algorithm>

#include "engine/autograd.h"
#include "engine/device_kernels.h"
#include "engine/ops.h"
#include "kernels/cuda/reduce.h"

namespace leuko {

// Sorted, de-duplicated, non-negative dims; empty `dims` means all of them.
static std::vector<int64_t> normalized_dims(const Tensor& x, std::vector<int64_t> dims,
                                            const char* op) {
  const int64_t n = x.dim();
  if (dims.empty()) {
    for (int64_t d = 0; d < n; ++d) dims.push_back(d);
  }
  for (int64_t& d : dims) {
    LEUKO_CHECK(d >= -n && d < n, op, ": dimension ", d, " out of range for shape ",
                to_string(x.shape()));
    if (d < 0) d += n;
  }
  std::sort(dims.begin(), dims.end());
  dims.erase(std::unique(dims.begin(), dims.end()), dims.end());
  return dims;
}

Tensor sum(const Tensor& x, const std::vector<int64_t>& requested, bool keepdim) {
  check_dtype(x, DType::f32, "sum", "input");
  const std::vector<int64_t> dims = normalized_dims(x, requested, "sum");
  Shape kept = x.shape();
  for (int64_t d : dims) kept[d] = 1;
  Shape out_strides = contiguous_strides(kept);
  for (int64_t d : dims) out_strides[d] = 0;
  const Tensor input = x.contiguous();
  Tensor out = empty(kept, DType::f32, x.device());
  LEUKO_DEVICE_KERNELS(sum_forward)
      .on(x.device(), "sum")(input.data<float>(), x.shape().data(), static_cast<int>(x.dim()),
                             out_strides.data(), out.data<float>(), out.numel());
  if (!keepdim) {
    Shape squeezed;
    for (int64_t d = 0; d < x.dim(); ++d) {
      if (!std::binary_search(dims.begin(), dims.end(), d)) squeezed.push_back(x.shape()[d]);
    }
    out = out.detach().reshape(squeezed);
  }
  const Shape input_shape = x.shape();
  return record(out, "sum", {x}, [input_shape, kept](const Tensor& g) -> std::vector<Tensor> {
    return {expand(reshape(g, kept), input_shape).contiguous()};
  });
}

Tensor sum(const Tensor& x) { return sum(x, {}, false); }

Tensor mean(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  check_defined(x, "mean", "input");
  int64_t count = 1;
  for (int64_t d : normalized_dims(x, dims, "mean")) count *= x.shape()[d];
  return mul(sum(x, dims, keepdim), 1.0f / static_cast<float>(std::max<int64_t>(count, 1)));
}

Tensor mean(const Tensor& x) { return mean(x, {}, false); }

}  // namespace leuko
