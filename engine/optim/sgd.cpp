#include "engine/optim/sgd.h"

#include <cmath>

#include "engine/device_kernels.h"
#include "engine/error.h"
#include "kernels/cpu/sgd.h"
#include "kernels/cuda/sgd.h"

namespace leuko::optim {

SGD::SGD(std::vector<Tensor> params, const SGDOptions& options)
    : Optimizer("SGD", std::move(params), options.lr), options_(options) {
  set_momentum(options.momentum);
  check_hyperparameter(std::isfinite(options.dampening), "dampening", "finite", options.dampening);
  check_hyperparameter(options.weight_decay >= 0.0 && std::isfinite(options.weight_decay),
                       "weight_decay", ">= 0", options.weight_decay);
  LEUKO_CHECK(!options.nesterov || (options.momentum > 0.0 && options.dampening == 0.0),
              "SGD: nesterov momentum needs momentum > 0 and dampening 0, got momentum ",
              options.momentum, " and dampening ", options.dampening);
}

void SGD::set_momentum(double momentum) {
  check_hyperparameter(momentum >= 0.0 && std::isfinite(momentum), "momentum", ">= 0", momentum);
  options_.momentum = momentum;
}

std::vector<std::string> SGD::state_names() const {
  if (options_.momentum == 0.0) return {};
  return {"momentum_buffer"};
}

void SGD::update(const Tensor& param, const Tensor& grad, ParamState& state) {
  float* buffer = nullptr;
  bool first_step = false;
  if (options_.momentum != 0.0) {
    Tensor& slot = state["momentum_buffer"];
    first_step = !slot.defined();  // PyTorch creates the buffer from the first gradient
    // Overwritten by the kernel on the first step; zeros so it never holds garbage.
    if (first_step) slot = zeros(param.shape(), DType::f32, param.device());
    buffer = slot.data<float>();
  }
  const SgdHyperparameters h{static_cast<float>(lr()), static_cast<float>(options_.momentum),
                             static_cast<float>(1.0 - options_.dampening),
                             static_cast<float>(options_.weight_decay), options_.nesterov};
  LEUKO_DEVICE_KERNELS(sgd_step).on(param.device(), "SGD")(param.data<float>(), grad.data<float>(),
                                                           buffer, param.numel(), h, first_step);
}

}  // namespace leuko::optim
