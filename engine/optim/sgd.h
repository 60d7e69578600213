// Stochastic gradient descent with torch.optim.SGD's semantics:
//   d = grad + weight_decay * param                         (coupled L2)
//   buf = momentum * buf + (1 - dampening) * d              (buf = d on the first step)
//   d = nesterov ? d + momentum * buf : buf                 (when momentum != 0)
//   param -= lr * d
#pragma once

#include "engine/optim/optimizer.h"

namespace leuko::optim {

struct SGDOptions {
  double lr = 0.01;
  double momentum = 0.0;
  double dampening = 0.0;
  double weight_decay = 0.0;
  bool nesterov = false;  // needs momentum > 0 and dampening 0
};

class SGD : public Optimizer {
 public:
  SGD(std::vector<Tensor> params, const SGDOptions& options = {});

  const SGDOptions& options() const { return options_; }
  double momentum() const override { return options_.momentum; }
  void set_momentum(double momentum) override;

 protected:
  void update(const Tensor& param, const Tensor& grad, ParamState& state) override;
  std::vector<std::string> state_names() const override;

 private:
  SGDOptions options_;
};

}  // namespace leuko::optim
