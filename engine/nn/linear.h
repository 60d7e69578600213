// Linear, as torch.nn.Linear: y = x W^T + b with parameters "weight" [out_features,
// in_features] and, unless bias = false, "bias" [out_features], both initialized as
// PyTorch does, U(+-1/sqrt(in_features)).
#pragma once

#include "engine/nn/module.h"

namespace leuko::nn {

class Linear : public Module {
 public:
  Linear(int64_t in_features, int64_t out_features, bool bias = true);
  Tensor forward(const Tensor& x) override;

  int64_t in_features() const { return in_features_; }
  int64_t out_features() const { return out_features_; }

  Tensor weight, bias;  // bias undefined when built with bias = false

 private:
  int64_t in_features_, out_features_;
};

}  // namespace leuko::nn
