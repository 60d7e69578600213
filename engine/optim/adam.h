// Adam and AdamW with torch.optim.Adam's and torch.optim.AdamW's semantics (amsgrad off):
//   Adam:  g = grad + weight_decay * param          (coupled L2, default weight_decay 0)
//   AdamW: param *= 1 - lr * weight_decay           (decoupled, default weight_decay 0.01)
//   m = beta1 m + (1 - beta1) g,   v = beta2 v + (1 - beta2) g^2,   t = this parameter's step
//   param -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
#pragma once

#include "engine/optim/optimizer.h"

namespace leuko::optim {

struct AdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9, beta2 = 0.999;  // each in [0, 1)
  double eps = 1e-8;
  double weight_decay = 0.0;  // coupled L2 (added to the gradient)
};

struct AdamWOptions {
  double lr = 1e-3;
  double beta1 = 0.9, beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.01;  // decoupled (shrinks the parameter directly)
};

class Adam : public Optimizer {
 public:
  Adam(std::vector<Tensor> params, const AdamOptions& options = {});

  double beta1() const { return beta1_; }
  double beta2() const { return beta2_; }
  void set_betas(double beta1, double beta2);
  double momentum() const override { return beta1_; }  // OneCycle cycles beta1
  void set_momentum(double momentum) override { set_betas(momentum, beta2_); }

 protected:
  Adam(const char* name, std::vector<Tensor> params, double lr, double beta1, double beta2,
       double eps, double weight_decay, bool decoupled_weight_decay);
  void update(const Tensor& param, const Tensor& grad, ParamState& state) override;
  std::vector<std::string> state_names() const override;

 private:
  double beta1_ = 0.0, beta2_ = 0.0;
  double eps_, weight_decay_;
  bool decoupled_weight_decay_;
};

class AdamW : public Adam {
 public:
  AdamW(std::vector<Tensor> params, const AdamWOptions& options = {});
};

}  // namespace leuko::optim
