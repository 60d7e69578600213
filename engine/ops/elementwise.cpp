// add, sub, mul, div with NumPy broadcasting, and the scalar forms. Broadcasting is done by
// strides (0 along broadcast dims), so no expanded copy of the smaller operand is made;
// backward sums each gradient back to its operand's shape.
#include "kernels/cpu/elementwise.h"

#include "engine/autograd.h"
#include "engine/device_kernels.h"
#include "engine/ops.h"
#include "kernels/cuda/elementwise.h"

namespace leuko {

// The strides that address `t` as if it had the (broadcast) shape `out`.
static Shape broadcast_strides(const Tensor& t, const Shape& out) {
  const size_t lead = out.size() - t.dim();
  Shape strides(out.size(), 0);
  for (size_t i = 0; i < static_cast<size_t>(t.dim()); ++i) {
    strides[lead + i] = t.shape()[i] == 1 ? 0 : t.strides()[i];
  }
  return strides;
}

static Tensor binary(BinaryOp op, const char* name, const Tensor& a, const Tensor& b) {
  check_dtype(a, DType::f32, name, "first operand");
  check_dtype(b, DType::f32, name, "second operand");
  check_same_device(a, b, name);
  const Shape shape = broadcast_shapes(a.shape(), b.shape(), name);
  Tensor out = empty(shape, DType::f32, a.device());
  const Shape as = broadcast_strides(a, shape), bs = broadcast_strides(b, shape);
  LEUKO_DEVICE_KERNELS(binary_forward)
      .on(a.device(), name)(op, a.data<float>(), as.data(), b.data<float>(), bs.data(),
                            out.data<float>(), shape.data(), static_cast<int>(shape.size()));
  return out;
}

Tensor add(const Tensor& a, const Tensor& b) {
  Tensor out = binary(BinaryOp::add, "add", a, b);
  const Shape sa = a.shape(), sb = b.shape();
  return record(out, "add", {a, b}, [sa, sb](const Tensor& g) -> std::vector<Tensor> {
    return {sum_to(g, sa), sum_to(g, sb)};
  });
}

Tensor sub(const Tensor& a, const Tensor& b) {
  Tensor out = binary(BinaryOp::sub, "sub", a, b);
  const Shape sa = a.shape(), sb = b.shape();
  return record(out, "sub", {a, b}, [sa, sb](const Tensor& g) -> std::vector<Tensor> {
    return {sum_to(g, sa), sum_to(neg(g), sb)};
  });
}

Tensor mul(const Tensor& a, const Tensor& b) {
  Tensor out = binary(BinaryOp::mul, "mul", a, b);
  return record(out, "mul", {a, b}, [a, b](const Tensor& g) -> std::vector<Tensor> {
    return {a.requires_grad() ? sum_to(mul(g, b), a.shape()) : Tensor(),
            b.requires_grad() ? sum_to(mul(g, a), b.shape()) : Tensor()};
  });
}

Tensor div(const Tensor& a, const Tensor& b) {
  Tensor out = binary(BinaryOp::div, "div", a, b);
  Tensor saved = out.detach();
  return record(out, "div", {a, b}, [a, b, saved](const Tensor& g) -> std::vector<Tensor> {
    Tensor grad_a = div(g, b);  // d(a/b)/da = 1/b;  d(a/b)/db = -(a/b)/b
    return {a.requires_grad() ? sum_to(grad_a, a.shape()) : Tensor(),
            b.requires_grad() ? sum_to(neg(mul(grad_a, saved)), b.shape()) : Tensor()};
  });
}

static Tensor affine(const Tensor& x, float scale, float shift, const char* name) {
  check_dtype(x, DType::f32, name, "input");
  const Tensor input = x.contiguous();
  Tensor out = empty(x.shape(), DType::f32, x.device());
  LEUKO_DEVICE_KERNELS(affine_forward)
      .on(x.device(), name)(input.data<float>(), out.data<float>(), x.numel(), scale, shift);
  return out;
}

Tensor add(const Tensor& a, float b) {
  return record(affine(a, 1.0f, b, "add"), "add_scalar", {a},
                [](const Tensor& g) -> std::vector<Tensor> { return {g}; });
}

Tensor mul(const Tensor& a, float b) {
  return record(affine(a, b, 0.0f, "mul"), "mul_scalar", {a},
                [b](const Tensor& g) -> std::vector<Tensor> { return {mul(g, b)}; });
}

Tensor neg(const Tensor& a) {
  return record(affine(a, -1.0f, 0.0f, "neg"), "neg", {a},
                [](const Tensor& g) -> std::vector<Tensor> { return {neg(g)}; });
}

}  // namespace leuko
