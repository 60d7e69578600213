// Tensor: an n-dimensional view (shape, strides, offset) onto reference-counted storage,
// plus the autograd fields (requires_grad, grad, grad_fn). A Tensor is a cheap handle:
// copies share the same TensorImpl, so a module's `weight` and its registry entry are one.
#pragma once

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "engine/storage.h"

namespace leuko {

// f32: all math; i64: labels; i32: index buffers ops keep for backward (max-pool winners),
// half the memory of i64.
enum class DType : uint8_t { f32, i64, i32 };
size_t element_size(DType dtype);
const char* to_string(DType dtype);

using Shape = std::vector<int64_t>;
std::string to_string(const Shape& shape);  // "[2, 3, 4]"
int64_t shape_numel(const Shape& shape);
Shape contiguous_strides(const Shape& shape);

class Node;
struct TensorImpl;

class Tensor {
 public:
  Tensor() = default;  // undefined: used for "no bias", "no gradient"
  explicit Tensor(std::shared_ptr<TensorImpl> impl);

  bool defined() const { return impl_ != nullptr; }
  TensorImpl* impl() const { return impl_.get(); }
  bool is_same(const Tensor& other) const { return impl_ == other.impl_; }

  // Geometry.
  const Shape& shape() const;
  const Shape& strides() const;
  int64_t offset() const;
  int64_t dim() const;
  int64_t size(int64_t d) const;  // negative d counts from the end
  int64_t numel() const;
  bool is_contiguous() const;
  DType dtype() const;
  Device device() const;

  // Raw element access (at the view's offset). Checks the dtype.
  template <typename T>
  T* data() const;
  float item() const;                    // one-element f32 or i64 tensor, as float
  std::vector<float> to_vector() const;  // f32 elements in logical (row-major) order
  std::vector<int64_t> to_vector_i64() const;

  // Autograd.
  bool requires_grad() const;
  Tensor& set_requires_grad(bool on);  // only on leaves
  bool is_leaf() const;
  const std::shared_ptr<Node>& grad_fn() const;
  Tensor grad() const;
  void set_grad(const Tensor& g);
  void zero_grad();  // drops .grad (like PyTorch's set_to_none)
  void backward(const Tensor& gradient = Tensor()) const;
  Tensor detach() const;  // same storage, no history

  // Copies and views. clone() is a contiguous copy without history; the view methods
  // below are autograd ops (see engine/ops.h).
  Tensor clone() const;
  Tensor contiguous() const;
  Tensor reshape(const Shape& shape) const;
  Tensor flatten(int64_t start_dim = 1, int64_t end_dim = -1) const;
  Tensor permute(const std::vector<int64_t>& dims) const;
  Tensor transpose(int64_t d0, int64_t d1) const;
  Tensor slice(int64_t dim, int64_t start, int64_t end, int64_t step = 1) const;
  Tensor to(Device device) const;

  // Copies other's values into this tensor's storage (same shape), without history.
  void copy_(const Tensor& other) const;
  void fill_(float value) const;

  std::string str() const;  // PyTorch-like pretty print, long dimensions elided

 private:
  std::shared_ptr<TensorImpl> impl_;
};

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  int64_t offset = 0;  // in elements
  Shape shape;
  Shape strides;  // in elements
  DType dtype = DType::f32;
  bool requires_grad = false;
  Tensor grad;
  std::shared_ptr<Node> grad_fn;
};

std::ostream& operator<<(std::ostream& out, const Tensor& t);

// Factories. All return contiguous tensors that do not require grad.
Tensor empty(const Shape& shape, DType dtype = DType::f32, Device device = Device::cpu);
Tensor zeros(const Shape& shape, DType dtype = DType::f32, Device device = Device::cpu);
Tensor ones(const Shape& shape, Device device = Device::cpu);
Tensor full(const Shape& shape, float value, Device device = Device::cpu);
Tensor from_vector(const std::vector<float>& values, const Shape& shape,
                   Device device = Device::cpu);
Tensor from_vector_i64(const std::vector<int64_t>& values, const Shape& shape,
                       Device device = Device::cpu);
Tensor scalar(float value, Device device = Device::cpu);
Tensor empty_pinned(const Shape& shape, DType dtype = DType::f32);  // see allocate_pinned
Tensor empty_like(const Tensor& t);
Tensor zeros_like(const Tensor& t);

// Argument-check helpers shared by the ops; each throws leuko::Error naming `op`.
void check_defined(const Tensor& t, const char* op, const char* what);
void check_dim(const Tensor& t, int64_t dim, const char* op, const char* what);
void check_dtype(const Tensor& t, DType dtype, const char* op, const char* what);
void check_same_shape(const Tensor& a, const Tensor& b, const char* op);
void check_same_device(const Tensor& a, const Tensor& b, const char* op);

}  // namespace leuko
