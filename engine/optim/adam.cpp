#include "engine/optim/adam.h"

#include <cmath>

#include "engine/device_kernels.h"
#include "kernels/cpu/adam.h"
#include "kernels/cuda/adam.h"

namespace leuko::optim {

Adam::Adam(std::vector<Tensor> params, const AdamOptions& o)
    : Adam("Adam", std::move(params), o.lr, o.beta1, o.beta2, o.eps, o.weight_decay, false) {}

AdamW::AdamW(std::vector<Tensor> params, const AdamWOptions& o)
    : Adam("AdamW", std::move(params), o.lr, o.beta1, o.beta2, o.eps, o.weight_decay, true) {}

Adam::Adam(const char* name, std::vector<Tensor> params, double lr, double beta1, double beta2,
           double eps, double weight_decay, bool decoupled_weight_decay)
    : Optimizer(name, std::move(params), lr),
      eps_(eps),
      weight_decay_(weight_decay),
      decoupled_weight_decay_(decoupled_weight_decay) {
  set_betas(beta1, beta2);
  check_hyperparameter(eps >= 0.0 && std::isfinite(eps), "eps", ">= 0", eps);
  check_hyperparameter(weight_decay >= 0.0 && std::isfinite(weight_decay), "weight_decay", ">= 0",
                       weight_decay);
}

void Adam::set_betas(double beta1, double beta2) {
  check_hyperparameter(beta1 >= 0.0 && beta1 < 1.0, "beta1", "in [0, 1)", beta1);
  check_hyperparameter(beta2 >= 0.0 && beta2 < 1.0, "beta2", "in [0, 1)", beta2);
  beta1_ = beta1;
  beta2_ = beta2;
}

std::vector<std::string> Adam::state_names() const { return {"step", "exp_avg", "exp_avg_sq"}; }

void Adam::update(const Tensor& param, const Tensor& grad, ParamState& state) {
  if (state.empty()) {
    state["step"] = scalar(0.0f);  // on the CPU: read by the host (see load_state_dict)
    state["exp_avg"] = zeros(param.shape(), DType::f32, param.device());
    state["exp_avg_sq"] = zeros(param.shape(), DType::f32, param.device());
  }
  // The step is counted per parameter (as PyTorch does), so a parameter that starts
  // receiving gradients later gets its own bias correction.
  float& step = *state["step"].data<float>();
  step += 1.0f;
  const double lr = this->lr();
  // The scalars are computed in double and rounded once, as PyTorch computes them in Python.
  const AdamHyperparameters h{
      static_cast<float>(beta1_),
      static_cast<float>(1.0 - beta1_),
      static_cast<float>(beta2_),
      static_cast<float>(1.0 - beta2_),
      static_cast<float>(eps_),
      static_cast<float>(decoupled_weight_decay_ ? 0.0 : weight_decay_),
      static_cast<float>(decoupled_weight_decay_ ? 1.0 - lr * weight_decay_ : 1.0),
      static_cast<float>(lr / (1.0 - std::pow(beta1_, step))),
      static_cast<float>(std::sqrt(1.0 - std::pow(beta2_, step)))};
  float* exp_avg = state["exp_avg"].data<float>();
  float* exp_avg_sq = state["exp_avg_sq"].data<float>();
  LEUKO_DEVICE_KERNELS(adam_step).on(param.device(), name().c_str())(
      param.data<float>(), grad.data<float>(), exp_avg, exp_avg_sq, param.numel(), h);
}

}  // namespace leuko::optim
