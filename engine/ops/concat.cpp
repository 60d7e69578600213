// concat: joins tensors along one dimension; every other dimension must match. The
// backward cuts the gradient back into the inputs' pieces.
#include "kernels/cpu/concat.h"

#include "engine/autograd.h"
#include "engine/device_kernels.h"
#include "engine/ops.h"
#include "kernels/cuda/concat.h"

namespace leuko {

Tensor concat(const std::vector<Tensor>& xs, int64_t dim) {
  LEUKO_CHECK(!xs.empty(), "concat: needs at least one tensor, got none");
  const Tensor& first = xs[0];
  check_dtype(first, DType::f32, "concat", "input 0");
  const int64_t ndim = first.dim();
  LEUKO_CHECK(ndim > 0, "concat: inputs must have at least one dimension, got a 0-D tensor");
  LEUKO_CHECK(dim >= -ndim && dim < ndim, "concat: dimension ", dim,
              " out of range for input 0 of shape ", to_string(first.shape()));
  if (dim < 0) dim += ndim;

  Shape out_shape = first.shape();
  out_shape[dim] = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    const Tensor& x = xs[i];
    check_dtype(x, DType::f32, "concat", "input");
    check_same_device(x, first, "concat");
    bool matches = x.dim() == ndim;
    for (int64_t d = 0; matches && d < ndim; ++d)
      matches = d == dim || x.shape()[d] == first.shape()[d];
    LEUKO_CHECK(matches, "concat: input ", i, " has shape ", to_string(x.shape()),
                " but input 0 has shape ", to_string(first.shape()), "; all dimensions except dim ",
                dim, " must match");
    out_shape[dim] += x.shape()[dim];
  }

  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < dim; ++d) outer *= out_shape[d];
  for (int64_t d = dim + 1; d < ndim; ++d) inner *= out_shape[d];
  std::vector<int64_t> row_sizes;
  std::vector<Tensor> inputs;  // contiguous copies where needed, kept alive for the kernel
  std::vector<const float*> pointers;
  for (const Tensor& x : xs) {
    row_sizes.push_back(x.shape()[dim] * inner);
    inputs.push_back(x.contiguous());
    pointers.push_back(inputs.back().data<float>());
  }
  Tensor out = empty(out_shape, DType::f32, first.device());
  const int64_t count = static_cast<int64_t>(xs.size());
  LEUKO_DEVICE_KERNELS(concat_forward)
      .on(first.device(), "concat")(pointers.data(), row_sizes.data(), count, outer,
                                    out.data<float>());

  std::vector<Shape> shapes;
  std::vector<bool> wanted;
  for (const Tensor& x : xs) {
    shapes.push_back(x.shape());
    wanted.push_back(x.requires_grad());
  }
  return record(out, "concat", xs,
                [shapes, wanted, row_sizes, outer](const Tensor& grad_out) -> std::vector<Tensor> {
                  const Tensor g = grad_out.contiguous();
                  std::vector<Tensor> grads(shapes.size());
                  std::vector<float*> pointers(shapes.size(), nullptr);
                  for (size_t i = 0; i < shapes.size(); ++i) {
                    if (!wanted[i]) continue;
                    grads[i] = empty(shapes[i], DType::f32, g.device());
                    pointers[i] = grads[i].data<float>();
                  }
                  const int64_t count = static_cast<int64_t>(shapes.size());
                  LEUKO_DEVICE_KERNELS(concat_backward)
                      .on(g.device(), "concat")(g.data<float>(), row_sizes.data(), count, outer,
                                                pointers.data());
                  return grads;
                });
}

}  // namespace leuko
