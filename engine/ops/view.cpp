// Views: new shape/strides/offset over the same storage, no data moved (except
// contiguous(), and reshape() of a non-contiguous tensor, which copy).
#include <algorithm>
#include <numeric>

#include "engine/autograd.h"
#include "engine/error.h"
#include "engine/ops.h"

namespace leuko {

static int64_t wrap_dim(int64_t dim, int64_t ndim, const char* op) {
  LEUKO_CHECK(dim >= -ndim && dim < ndim, op, ": dimension ", dim, " out of range for a ", ndim,
              "-D tensor");
  return dim < 0 ? dim + ndim : dim;
}

static Tensor view_of(const Tensor& x, Shape shape, Shape strides, int64_t offset) {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = x.impl()->storage;
  impl->dtype = x.dtype();
  impl->shape = std::move(shape);
  impl->strides = std::move(strides);
  impl->offset = offset;
  return Tensor(impl);
}

Tensor contiguous(const Tensor& x) {
  check_defined(x, "contiguous", "input");
  if (x.is_contiguous()) return x;
  return record(x.clone(), "contiguous", {x},
                [](const Tensor& g) -> std::vector<Tensor> { return {g}; });
}

Tensor reshape(const Tensor& x, const Shape& requested) {
  check_defined(x, "reshape", "input");
  Shape shape = requested;
  int64_t known = 1, inferred = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      LEUKO_CHECK(inferred < 0, "reshape: only one dimension may be -1, got ",
                  to_string(requested));
      inferred = static_cast<int64_t>(i);
    } else {
      known *= shape[i];
    }
  }
  if (inferred >= 0 && known != 0 && x.numel() % known == 0) shape[inferred] = x.numel() / known;
  LEUKO_CHECK(shape_numel(shape) == x.numel() && (inferred < 0 || shape[inferred] >= 0),
              "reshape: cannot view shape ", to_string(x.shape()), " (", x.numel(),
              " elements) as ", to_string(requested));
  const Tensor source = x.contiguous();
  Tensor out = view_of(source, shape, contiguous_strides(shape), source.offset());
  const Shape input_shape = x.shape();
  return record(out, "reshape", {source}, [input_shape](const Tensor& g) -> std::vector<Tensor> {
    return {reshape(g, input_shape)};
  });
}

Tensor flatten(const Tensor& x, int64_t start_dim, int64_t end_dim) {
  check_defined(x, "flatten", "input");
  if (x.dim() == 0) return reshape(x, {1});
  const int64_t start = wrap_dim(start_dim, x.dim(), "flatten");
  const int64_t end = wrap_dim(end_dim, x.dim(), "flatten");
  LEUKO_CHECK(start <= end, "flatten: start_dim ", start_dim, " is after end_dim ", end_dim);
  Shape shape(x.shape().begin(), x.shape().begin() + start);
  int64_t merged = 1;
  for (int64_t d = start; d <= end; ++d) merged *= x.shape()[d];
  shape.push_back(merged);
  shape.insert(shape.end(), x.shape().begin() + end + 1, x.shape().end());
  return reshape(x, shape);
}

Tensor permute(const Tensor& x, const std::vector<int64_t>& dims) {
  check_defined(x, "permute", "input");
  const int64_t n = x.dim();
  LEUKO_CHECK(static_cast<int64_t>(dims.size()) == n, "permute: got ", dims.size(), " dims for a ",
              n, "-D tensor");
  std::vector<int64_t> order(n), inverse(n, -1);
  for (int64_t i = 0; i < n; ++i) {
    order[i] = wrap_dim(dims[i], n, "permute");
    LEUKO_CHECK(inverse[order[i]] < 0, "permute: dimension ", order[i], " repeated");
    inverse[order[i]] = i;
  }
  Shape shape(n), strides(n);
  for (int64_t i = 0; i < n; ++i) {
    shape[i] = x.shape()[order[i]];
    strides[i] = x.strides()[order[i]];
  }
  Tensor out = view_of(x, shape, strides, x.offset());
  return record(out, "permute", {x}, [inverse](const Tensor& g) -> std::vector<Tensor> {
    return {permute(g, inverse)};
  });
}

Tensor transpose(const Tensor& x, int64_t d0, int64_t d1) {
  check_defined(x, "transpose", "input");
  std::vector<int64_t> order(x.dim());
  std::iota(order.begin(), order.end(), 0);
  std::swap(order[wrap_dim(d0, x.dim(), "transpose")], order[wrap_dim(d1, x.dim(), "transpose")]);
  return permute(x, order);
}

Tensor slice(const Tensor& x, int64_t dim, int64_t start, int64_t end, int64_t step) {
  check_defined(x, "slice", "input");
  const int64_t d = wrap_dim(dim, x.dim(), "slice");
  const int64_t size = x.shape()[d];
  LEUKO_CHECK(step > 0, "slice: step must be positive, got ", step);
  if (start < 0) start += size;
  if (end < 0) end += size;
  start = std::clamp<int64_t>(start, 0, size);
  end = std::clamp<int64_t>(end, start, size);
  Shape shape = x.shape(), strides = x.strides();
  shape[d] = (end - start + step - 1) / step;
  strides[d] *= step;
  Tensor out = view_of(x, shape, strides, x.offset() + start * x.strides()[d]);
  const Shape input_shape = x.shape();
  return record(out, "slice", {x},
                [input_shape, d, start, end, step](const Tensor& g) -> std::vector<Tensor> {
                  Tensor grad = zeros(input_shape, DType::f32, g.device());
                  grad.slice(d, start, end, step).copy_(g);
                  return {grad};
                });
}

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  const size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (size_t i = 0; i < n; ++i) {
    const int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    const int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    LEUKO_CHECK(da == db || da == 1 || db == 1, op, ": shapes ", to_string(a), " and ",
                to_string(b), " cannot be broadcast together");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

Tensor expand(const Tensor& x, const Shape& shape) {
  check_defined(x, "expand", "input");
  LEUKO_CHECK(broadcast_shapes(x.shape(), shape, "expand") == shape, "expand: cannot expand ",
              to_string(x.shape()), " to ", to_string(shape));
  if (x.shape() == shape) return x;
  const size_t lead = shape.size() - x.shape().size();
  Shape strides(shape.size(), 0);
  for (size_t i = 0; i < x.shape().size(); ++i) {
    strides[lead + i] = x.shape()[i] == shape[lead + i] ? x.strides()[i] : 0;
  }
  Tensor out = view_of(x, shape, strides, x.offset());
  const Shape input_shape = x.shape();
  return record(out, "expand", {x}, [input_shape](const Tensor& g) -> std::vector<Tensor> {
    return {sum_to(g, input_shape)};
  });
}

Tensor sum_to(const Tensor& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  const size_t lead = x.shape().size() - shape.size();
  std::vector<int64_t> dims;
  for (size_t i = 0; i < x.shape().size(); ++i) {
    if (i < lead || (shape[i - lead] == 1 && x.shape()[i] != 1)) dims.push_back(i);
  }
  return reshape(sum(x, dims, /*keepdim=*/true), shape);
}

}  // namespace leuko
