// Parameter-free layers as torch.nn defines them: the activations (ReLU, ELU, LeakyReLU,
// Sigmoid, Tanh, Softmax) and the shape adapters Flatten and Identity. Each forward is one
// call to the op of the same name in engine/ops.h; the modules exist so that networks can
// be written as a Sequential of layers that reads like the spec's tables.
#pragma once

#include "engine/nn/module.h"

namespace leuko::nn {

class ReLU : public Module {
 public:
  Tensor forward(const Tensor& x) override;
};

class ELU : public Module {
 public:
  explicit ELU(float alpha = 1.0f) : alpha_(alpha) {}
  Tensor forward(const Tensor& x) override;
  float alpha() const { return alpha_; }

 private:
  float alpha_;
};

class LeakyReLU : public Module {
 public:
  explicit LeakyReLU(float negative_slope = 0.01f) : negative_slope_(negative_slope) {}
  Tensor forward(const Tensor& x) override;
  float negative_slope() const { return negative_slope_; }

 private:
  float negative_slope_;
};

class Sigmoid : public Module {
 public:
  Tensor forward(const Tensor& x) override;
};

class Tanh : public Module {
 public:
  Tensor forward(const Tensor& x) override;
};

// softmax along `dim` (torch.nn.Softmax needs the dim spelled out too).
class Softmax : public Module {
 public:
  explicit Softmax(int64_t dim) : dim_(dim) {}
  Tensor forward(const Tensor& x) override;
  int64_t dim() const { return dim_; }

 private:
  int64_t dim_;
};

// Merges dims start_dim..end_dim into one; the defaults keep the batch dim: [N, C, H, W] ->
// [N, C*H*W], the step from the convolutional trunk to the linear head.
class Flatten : public Module {
 public:
  explicit Flatten(int64_t start_dim = 1, int64_t end_dim = -1)
      : start_dim_(start_dim), end_dim_(end_dim) {}
  Tensor forward(const Tensor& x) override;

 private:
  int64_t start_dim_, end_dim_;
};

// Returns its input unchanged: a placeholder where a layer is optional (e.g. a removed head).
class Identity : public Module {
 public:
  Tensor forward(const Tensor& x) override;
};

}  // namespace leuko::nn
