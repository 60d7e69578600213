#include "engine/tensor.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <iomanip>
#include <sstream>

#include "engine/autograd.h"
#include "engine/error.h"
#include "engine/ops.h"
#include "engine/device_kernels.h"
#include "kernels/cpu/copy.h"
#include "kernels/cuda/copy.h"

namespace leuko {

size_t element_size(DType dtype) { return dtype == DType::i64 ? 8 : 4; }
const char* to_string(DType dtype) {
  switch (dtype) {
    case DType::f32:
      return "float32";
    case DType::i64:
      return "int64";
    case DType::i32:
      return "int32";
  }
  return "?";
}

std::string to_string(const Shape& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

int64_t shape_numel(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

Shape contiguous_strides(const Shape& shape) {
  Shape strides(shape.size());
  int64_t stride = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i] = stride;
    stride *= shape[i];
  }
  return strides;
}

Tensor::Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

static const TensorImpl& checked(const std::shared_ptr<TensorImpl>& impl) {
  LEUKO_CHECK(impl != nullptr, "use of an undefined tensor");
  return *impl;
}

const Shape& Tensor::shape() const { return checked(impl_).shape; }
const Shape& Tensor::strides() const { return checked(impl_).strides; }
int64_t Tensor::offset() const { return checked(impl_).offset; }
int64_t Tensor::dim() const { return static_cast<int64_t>(shape().size()); }
int64_t Tensor::numel() const { return shape_numel(shape()); }
DType Tensor::dtype() const { return checked(impl_).dtype; }
Device Tensor::device() const { return checked(impl_).storage->device; }

int64_t Tensor::size(int64_t d) const {
  const int64_t n = dim();
  LEUKO_CHECK(d >= -n && d < n, "size(", d, "): dimension out of range for shape ",
              to_string(shape()));
  return shape()[d < 0 ? d + n : d];
}

bool Tensor::is_contiguous() const {
  const Shape expected = contiguous_strides(shape());
  for (size_t i = 0; i < expected.size(); ++i) {
    if (shape()[i] != 1 && strides()[i] != expected[i]) return false;
  }
  return true;
}

template <typename T>
T* Tensor::data() const {
  const TensorImpl& impl = checked(impl_);
  constexpr DType wanted = std::is_same_v<T, float>     ? DType::f32
                           : std::is_same_v<T, int32_t> ? DType::i32
                                                        : DType::i64;
  LEUKO_CHECK(impl.dtype == wanted, "data<", to_string(wanted), ">() on a ", to_string(impl.dtype),
              " tensor");
  return static_cast<T*>(impl.storage->data) + impl.offset;
}
template float* Tensor::data<float>() const;
template int64_t* Tensor::data<int64_t>() const;
template int32_t* Tensor::data<int32_t>() const;

std::vector<float> Tensor::to_vector() const {
  check_dtype(*this, DType::f32, "to_vector", "tensor");
  Tensor host = contiguous().to(Device::cpu);
  const float* p = host.data<float>();
  return std::vector<float>(p, p + host.numel());
}

std::vector<int64_t> Tensor::to_vector_i64() const {
  check_dtype(*this, DType::i64, "to_vector_i64", "tensor");
  Tensor host = contiguous().to(Device::cpu);
  const int64_t* p = host.data<int64_t>();
  return std::vector<int64_t>(p, p + host.numel());
}

float Tensor::item() const {
  LEUKO_CHECK(numel() == 1, "item(): tensor has ", numel(), " elements (shape ", to_string(shape()),
              "), expected exactly one");
  if (dtype() == DType::i64) return static_cast<float>(to_vector_i64()[0]);
  return to_vector()[0];
}

bool Tensor::requires_grad() const { return checked(impl_).requires_grad; }

Tensor& Tensor::set_requires_grad(bool on) {
  LEUKO_CHECK(is_leaf(), "set_requires_grad() on a tensor computed by '", grad_fn()->name(),
              "': only leaves (parameters, inputs) can be marked; use detach()");
  LEUKO_CHECK(!on || dtype() == DType::f32, "only float32 tensors can require grad");
  impl_->requires_grad = on;
  return *this;
}

bool Tensor::is_leaf() const { return checked(impl_).grad_fn == nullptr; }
const std::shared_ptr<Node>& Tensor::grad_fn() const { return checked(impl_).grad_fn; }
Tensor Tensor::grad() const { return checked(impl_).grad; }

void Tensor::set_grad(const Tensor& g) {
  if (g.defined()) check_same_shape(*this, g, "set_grad");
  impl_->grad = g;
}

void Tensor::zero_grad() {
  checked(impl_);
  impl_->grad = Tensor();
}

void Tensor::backward(const Tensor& gradient) const { run_backward(*this, gradient); }

Tensor Tensor::detach() const {
  auto impl = std::make_shared<TensorImpl>(checked(impl_));
  impl->requires_grad = false;
  impl->grad = Tensor();
  impl->grad_fn = nullptr;
  return Tensor(impl);
}

Tensor Tensor::clone() const {
  Tensor out = empty(shape(), dtype(), device());
  out.copy_(*this);
  return out;
}

Tensor Tensor::contiguous() const { return leuko::contiguous(*this); }
Tensor Tensor::reshape(const Shape& s) const { return leuko::reshape(*this, s); }
Tensor Tensor::flatten(int64_t a, int64_t b) const { return leuko::flatten(*this, a, b); }
Tensor Tensor::permute(const std::vector<int64_t>& d) const { return leuko::permute(*this, d); }
Tensor Tensor::transpose(int64_t a, int64_t b) const { return leuko::transpose(*this, a, b); }
Tensor Tensor::slice(int64_t dim, int64_t start, int64_t end, int64_t step) const {
  return leuko::slice(*this, dim, start, end, step);
}

Tensor Tensor::to(Device target) const {
  if (device() == target) return *this;
  Tensor src = is_contiguous() ? *this : clone();
  Tensor out = empty(shape(), dtype(), target);
  copy_bytes(out.impl()->storage->data, target,
             static_cast<char*>(src.impl()->storage->data) + src.offset() * element_size(dtype()),
             src.device(), numel() * element_size(dtype()));
  return out;
}

// Packs a strided view into a new contiguous tensor on the same device.
static Tensor gather(const Tensor& view) {
  Tensor packed = empty(view.shape(), view.dtype(), view.device());
  const size_t esize = element_size(view.dtype());
  const char* source = static_cast<const char*>(view.impl()->storage->data) + view.offset() * esize;
  LEUKO_DEVICE_KERNELS(strided_gather)
      .on(view.device(), "copy")(source, view.shape().data(), view.strides().data(),
                                 static_cast<int>(view.dim()), static_cast<int>(esize),
                                 packed.impl()->storage->data);
  return packed;
}

void Tensor::copy_(const Tensor& other) const {
  check_same_shape(*this, other, "copy_");
  LEUKO_CHECK(dtype() == other.dtype(), "copy_: dtype ", to_string(other.dtype()), " into ",
              to_string(dtype()));
  const size_t esize = element_size(dtype());
  // Bring `other` into packed row-major order on this tensor's device, then place it.
  Tensor packed = other.is_contiguous() ? other : gather(other);
  if (packed.device() != device()) packed = packed.to(device());
  const char* source =
      static_cast<const char*>(packed.impl()->storage->data) + packed.offset() * esize;
  char* target = static_cast<char*>(impl_->storage->data) + offset() * esize;
  if (is_contiguous()) {
    copy_bytes(target, device(), source, device(), numel() * esize);
  } else {
    LEUKO_DEVICE_KERNELS(strided_scatter)
        .on(device(), "copy_")(source, shape().data(), strides().data(), static_cast<int>(dim()),
                               static_cast<int>(esize), target);
  }
}

void Tensor::fill_(float value) const {
  if (dtype() == DType::f32) {
    copy_(full(shape(), value, device()));
  } else {
    copy_(from_vector_i64(std::vector<int64_t>(numel(), static_cast<int64_t>(value)), shape(),
                          device()));
  }
}

// Pretty printing: like PyTorch, at most 6 entries per dimension (first and last 3).
static void print_dim(std::ostream& out, const Tensor& t, const std::vector<float>& v, size_t dim,
                      int64_t base, int indent) {
  const Shape& shape = t.shape();
  const Shape strides = contiguous_strides(shape);
  const int64_t n = shape[dim];
  out << "[";
  for (int64_t i = 0; i < n; ++i) {
    if (n > 6 && i == 3) {
      out << (dim + 1 == shape.size() ? "..., " : "...,\n" + std::string(indent + 1, ' '));
      i = n - 3;
    }
    if (dim + 1 == shape.size()) {
      out << std::setw(8) << std::fixed << std::setprecision(4) << v[base + i];
    } else {
      print_dim(out, t, v, dim + 1, base + i * strides[dim], indent + 1);
    }
    if (i + 1 < n) out << (dim + 1 == shape.size() ? ", " : ",\n" + std::string(indent + 1, ' '));
  }
  out << "]";
}

std::string Tensor::str() const {
  if (!defined()) return "tensor(undefined)";
  std::ostringstream out;
  out << "tensor(";
  std::vector<float> values;
  if (dtype() == DType::f32) {
    values = to_vector();
  } else {
    for (int64_t x : to_vector_i64()) values.push_back(static_cast<float>(x));
  }
  if (dim() == 0) {
    out << values[0];
  } else if (numel() == 0) {
    out << "[]";
  } else {
    print_dim(out, *this, values, 0, 0, 7);
  }
  out << ", shape=" << to_string(shape()) << ", dtype=" << to_string(dtype())
      << ", device=" << to_string(device());
  if (requires_grad()) out << (is_leaf() ? ", requires_grad" : ", grad_fn=" + grad_fn()->name());
  out << ")";
  return out.str();
}

std::ostream& operator<<(std::ostream& out, const Tensor& t) { return out << t.str(); }

static void check_shape(const Shape& shape) {
  for (int64_t d : shape) {
    LEUKO_CHECK(d >= 0, "cannot create a tensor of shape ", to_string(shape),
                ": negative dimension");
  }
}

static Tensor contiguous_tensor(std::shared_ptr<Storage> storage, const Shape& shape, DType dtype) {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::move(storage);
  impl->shape = shape;
  impl->strides = contiguous_strides(shape);
  impl->dtype = dtype;
  return Tensor(impl);
}

Tensor empty(const Shape& shape, DType dtype, Device device) {
  check_shape(shape);
  return contiguous_tensor(allocate(shape_numel(shape) * element_size(dtype), device), shape,
                           dtype);
}

Tensor empty_pinned(const Shape& shape, DType dtype) {
  check_shape(shape);
  return contiguous_tensor(allocate_pinned(shape_numel(shape) * element_size(dtype)), shape, dtype);
}

Tensor zeros(const Shape& shape, DType dtype, Device device) {
  Tensor t = empty(shape, dtype, Device::cpu);
  std::memset(t.impl()->storage->data, 0, t.numel() * element_size(dtype));
  return t.to(device);
}

Tensor full(const Shape& shape, float value, Device device) {
  Tensor t = empty(shape, DType::f32, Device::cpu);
  std::fill_n(t.data<float>(), t.numel(), value);
  return t.to(device);
}

Tensor ones(const Shape& shape, Device device) { return full(shape, 1.0f, device); }
Tensor scalar(float value, Device device) { return full({}, value, device); }
Tensor empty_like(const Tensor& t) { return empty(t.shape(), t.dtype(), t.device()); }
Tensor zeros_like(const Tensor& t) { return zeros(t.shape(), t.dtype(), t.device()); }

template <typename T>
static Tensor from_values(const std::vector<T>& values, const Shape& shape, DType dtype,
                          Device device) {
  LEUKO_CHECK(static_cast<int64_t>(values.size()) == shape_numel(shape),
              "from_vector: ", values.size(), " values do not fill shape ", to_string(shape));
  Tensor t = empty(shape, dtype, Device::cpu);
  std::copy(values.begin(), values.end(), t.data<T>());
  return t.to(device);
}

Tensor from_vector(const std::vector<float>& values, const Shape& shape, Device device) {
  return from_values(values, shape, DType::f32, device);
}

Tensor from_vector_i64(const std::vector<int64_t>& values, const Shape& shape, Device device) {
  return from_values(values, shape, DType::i64, device);
}

void check_defined(const Tensor& t, const char* op, const char* what) {
  LEUKO_CHECK(t.defined(), op, ": ", what, " is undefined");
}

void check_dim(const Tensor& t, int64_t dim, const char* op, const char* what) {
  check_defined(t, op, what);
  LEUKO_CHECK(t.dim() == dim, op, ": ", what, " must be ", dim, "-D, got shape ",
              to_string(t.shape()));
}

void check_dtype(const Tensor& t, DType dtype, const char* op, const char* what) {
  check_defined(t, op, what);
  LEUKO_CHECK(t.dtype() == dtype, op, ": ", what, " must be ", to_string(dtype), ", got ",
              to_string(t.dtype()));
}

void check_same_shape(const Tensor& a, const Tensor& b, const char* op) {
  LEUKO_CHECK(a.shape() == b.shape(), op, ": shapes must match, got ", to_string(a.shape()),
              " and ", to_string(b.shape()));
}

void check_same_device(const Tensor& a, const Tensor& b, const char* op) {
  LEUKO_CHECK(a.device() == b.device(), op, ": tensors on different devices (",
              to_string(a.device()), " and ", to_string(b.device()), ")");
}

}  // namespace leuko
