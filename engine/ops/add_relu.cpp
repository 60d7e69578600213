// add_relu: relu(a + b) as one op, the merge at the end of a residual block. Same shapes
// only: a broadcast would make the two inputs' gradients differ in shape and need a
// reduction, which is not what a residual merge needs. The backward keeps only the output
// (the ReLU's mask) and hands one gradient tensor to both inputs.
#include "kernels/cpu/add_relu.h"

#include "engine/autograd.h"
#include "engine/device_kernels.h"
#include "engine/ops.h"
#include "kernels/cuda/add_relu.h"

namespace leuko {

// x itself when its elements are already one dense block, else a dense copy (no history:
// only the values are read).
static Tensor dense(const Tensor& x) { return x.is_contiguous() ? x.detach() : x.clone(); }

Tensor add_relu(const Tensor& a, const Tensor& b) {
  check_dtype(a, DType::f32, "add_relu", "a");
  check_dtype(b, DType::f32, "add_relu", "b");
  check_same_device(a, b, "add_relu");
  LEUKO_CHECK(a.shape() == b.shape(),
              "add_relu: a and b must have the same shape (no "
              "broadcasting), got ",
              to_string(a.shape()), " and ", to_string(b.shape()));
  const Tensor a_dense = dense(a), b_dense = dense(b);
  const int64_t n = a.numel();
  Tensor y = empty(a.shape(), DType::f32, a.device());
  LEUKO_DEVICE_KERNELS(add_relu_forward)
      .on(a.device(), "add_relu")(a_dense.data<float>(), b_dense.data<float>(), n, y.data<float>());

  const Tensor saved = y.detach();  // the mask: y > 0 exactly where a + b > 0
  return record(y, "add_relu", {a, b}, [saved, n](const Tensor& grad_y) -> std::vector<Tensor> {
    const Tensor g = dense(grad_y);
    Tensor grad_ab = empty_like(saved);
    LEUKO_DEVICE_KERNELS(add_relu_backward)
        .on(saved.device(), "add_relu")(g.data<float>(), saved.data<float>(), n,
                                        grad_ab.data<float>());
    return {grad_ab, grad_ab};  // the engine clones before accumulating: sharing is safe
  });
}

}  // namespace leuko
