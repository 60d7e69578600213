// RMSprop with torch.optim.RMSprop's semantics:
//   g = grad + weight_decay * param                                  (coupled L2)
//   square_avg = alpha square_avg + (1 - alpha) g^2
//   centered: grad_avg = alpha grad_avg + (1 - alpha) g,  avg = sqrt(square_avg - grad_avg^2) + eps
//   else:     avg = sqrt(square_avg) + eps
//   momentum > 0: buf = momentum buf + g / avg,  param -= lr buf;   else param -= lr g / avg
// (Keras' RMSprop puts eps inside the square root; with eps 1e-7 the two differ negligibly.)
#pragma once

#include "engine/optim/optimizer.h"

namespace leuko::optim {

struct RMSpropOptions {
  double lr = 1e-2;
  double alpha = 0.99;  // Keras calls it rho
  double eps = 1e-8;
  double weight_decay = 0.0;
  double momentum = 0.0;
  bool centered = false;
};

class RMSprop : public Optimizer {
 public:
  RMSprop(std::vector<Tensor> params, const RMSpropOptions& options = {});

  const RMSpropOptions& options() const { return options_; }
  double momentum() const override { return options_.momentum; }
  void set_momentum(double momentum) override;

 protected:
  void update(const Tensor& param, const Tensor& grad, ParamState& state) override;
  std::vector<std::string> state_names() const override;

 private:
  RMSpropOptions options_;
};

}  // namespace leuko::optim
