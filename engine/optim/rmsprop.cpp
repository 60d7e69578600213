#include "engine/optim/rmsprop.h"

#include <cmath>

#include "engine/device_kernels.h"
#include "kernels/cpu/rmsprop.h"
#include "kernels/cuda/rmsprop.h"

namespace leuko::optim {

RMSprop::RMSprop(std::vector<Tensor> params, const RMSpropOptions& options)
    : Optimizer("RMSprop", std::move(params), options.lr), options_(options) {
  set_momentum(options.momentum);
  check_hyperparameter(options.alpha >= 0.0 && options.alpha <= 1.0, "alpha", "in [0, 1]",
                       options.alpha);
  check_hyperparameter(options.eps >= 0.0 && std::isfinite(options.eps), "eps", ">= 0",
                       options.eps);
  check_hyperparameter(options.weight_decay >= 0.0 && std::isfinite(options.weight_decay),
                       "weight_decay", ">= 0", options.weight_decay);
}

void RMSprop::set_momentum(double momentum) {
  check_hyperparameter(momentum >= 0.0 && std::isfinite(momentum), "momentum", ">= 0", momentum);
  options_.momentum = momentum;
}

std::vector<std::string> RMSprop::state_names() const {
  std::vector<std::string> names{"square_avg"};
  if (options_.momentum > 0.0) names.push_back("momentum_buffer");
  if (options_.centered) names.push_back("grad_avg");
  return names;
}

void RMSprop::update(const Tensor& param, const Tensor& grad, ParamState& state) {
  // Every slot starts at zero; the momentum buffer also appears later if a schedule turns
  // momentum on after the first step.
  for (const std::string& name : state_names()) {
    if (!state.count(name)) state[name] = zeros(param.shape(), DType::f32, param.device());
  }
  const RmspropHyperparameters h{static_cast<float>(lr()),
                                 static_cast<float>(options_.alpha),
                                 static_cast<float>(1.0 - options_.alpha),
                                 static_cast<float>(options_.eps),
                                 static_cast<float>(options_.weight_decay),
                                 static_cast<float>(options_.momentum)};
  float* grad_avg = options_.centered ? state["grad_avg"].data<float>() : nullptr;
  float* buffer = options_.momentum > 0.0 ? state["momentum_buffer"].data<float>() : nullptr;
  float* square_avg = state["square_avg"].data<float>();
  LEUKO_DEVICE_KERNELS(rmsprop_step)
      .on(param.device(), "RMSprop")(param.data<float>(), grad.data<float>(), square_avg, grad_avg,
                                     buffer, param.numel(), h);
}

}  // namespace leuko::optim
