#include "engine/optim/optimizer.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include "engine/error.h"

namespace leuko::optim {

// "float32 [3, 4]", for messages about loaded tensors.
static std::string describe(const Tensor& t) {
  return cat(to_string(t.dtype()), " ", to_string(t.shape()));
}

Optimizer::Optimizer(std::string name, std::vector<Tensor> params, double lr)
    : name_(std::move(name)), params_(std::move(params)), state_(params_.size()), lr_(lr) {
  const bool any_trainable = std::any_of(params_.begin(), params_.end(), [](const Tensor& p) {
    return p.defined() && p.requires_grad();
  });
  LEUKO_CHECK(!params_.empty() && any_trainable, name_,
              ": no parameters to optimize (are they all frozen?)");
  std::set<const TensorImpl*> seen;
  for (size_t i = 0; i < params_.size(); ++i) {
    const Tensor& p = params_[i];
    const std::string what = cat("parameter ", i);
    check_defined(p, name_.c_str(), what.c_str());
    check_dtype(p, DType::f32, name_.c_str(), what.c_str());
    LEUKO_CHECK(p.is_leaf(), name_, ": parameter ", i, " of shape ", to_string(p.shape()),
                " is not a leaf tensor (it has autograd history); pass the tensor itself");
    LEUKO_CHECK(p.is_contiguous(), name_, ": parameter ", i, " of shape ", to_string(p.shape()),
                " must be contiguous");
    LEUKO_CHECK(seen.insert(p.impl()).second, name_, ": parameter ", i, " of shape ",
                to_string(p.shape()), " appears twice in the list (it would be updated twice)");
  }
  check_hyperparameter(lr > 0.0 && std::isfinite(lr), "lr", "> 0", lr);
}

void Optimizer::check_hyperparameter(bool ok, const char* what, const char* requirement,
                                     double value) const {
  LEUKO_CHECK(ok, name_, ": ", what, " must be ", requirement, ", got ", value);
}

void Optimizer::set_lr(double lr) {
  check_hyperparameter(lr >= 0.0 && std::isfinite(lr), "lr", ">= 0 and finite", lr);
  lr_ = lr;
}

void Optimizer::step() {
  for (size_t i = 0; i < params_.size(); ++i) {
    const Tensor& param = params_[i];
    Tensor grad = param.grad();
    if (!grad.defined()) continue;
    check_same_device(param, grad, name_.c_str());
    check_dtype(grad, DType::f32, name_.c_str(), "gradient");
    LEUKO_CHECK(grad.shape() == param.shape(), name_, ": parameter ", i, " has shape ",
                to_string(param.shape()), " but its gradient has shape ", to_string(grad.shape()));
    if (!grad.is_contiguous()) grad = grad.contiguous();
    update(param, grad, state_[i]);
  }
  ++step_count_;
}

void Optimizer::zero_grad() {
  for (Tensor& p : params_) p.zero_grad();
}

std::map<std::string, Tensor> Optimizer::state_dict() const {
  std::map<std::string, Tensor> out;
  out["step"] = from_vector_i64({step_count_}, {});
  for (size_t i = 0; i < state_.size(); ++i) {
    for (const auto& [key, tensor] : state_[i]) out[cat("state.", i, ".", key)] = tensor.clone();
  }
  return out;
}

void Optimizer::load_state_dict(const std::map<std::string, Tensor>& state) {
  const std::string op = name_ + ": load_state_dict";
  auto step = state.find("step");
  LEUKO_CHECK(step != state.end(), op, ": the state has no 'step' entry");
  LEUKO_CHECK(step->second.dtype() == DType::i64 && step->second.numel() == 1, op,
              ": 'step' must be one int64 value, got ", describe(step->second));
  const int64_t step_count = step->second.to_vector_i64()[0];
  LEUKO_CHECK(step_count >= 0, op, ": 'step' must be >= 0, got ", step_count);

  const std::vector<std::string> names = state_names();
  std::vector<ParamState> loaded(params_.size());
  for (const auto& [key, tensor] : state) {
    if (key == "step") continue;
    // "state.<index>.<name>"
    const size_t dot = key.find('.', 6);
    LEUKO_CHECK(key.rfind("state.", 0) == 0 && dot != std::string::npos, op, ": unexpected key '",
                key, "' (expected 'step' or 'state.<index>.<name>')");
    const std::string index_text = key.substr(6, dot - 6), name = key.substr(dot + 1);
    const bool numeric = !index_text.empty() && index_text.size() < 10 &&
                         std::all_of(index_text.begin(), index_text.end(),
                                     [](unsigned char c) { return std::isdigit(c) != 0; });
    LEUKO_CHECK(numeric && std::stoul(index_text) < params_.size(), op, ": key '", key,
                "' names no parameter (this optimizer has ", params_.size(), ")");
    LEUKO_CHECK(std::find(names.begin(), names.end(), name) != names.end(), op, ": key '", key,
                "' is not state this ", name_, " keeps under its current settings");
    const Tensor& param = params_[std::stoul(index_text)];
    const Shape expected = name == "step" ? Shape{} : param.shape();
    LEUKO_CHECK(tensor.dtype() == DType::f32 && tensor.shape() == expected, op, ": '", key,
                "' must be float32 ", to_string(expected), ", got ", describe(tensor));
    // Adam's per-parameter step count is read on the host for the bias corrections, so it
    // stays on the CPU; the other state lives with its parameter.
    const Device device = name == "step" ? Device::cpu : param.device();
    loaded[std::stoul(index_text)][name] = tensor.clone().to(device);
  }
  for (size_t i = 0; i < loaded.size(); ++i) {
    if (loaded[i].empty()) continue;
    for (const std::string& name : names) {
      LEUKO_CHECK(loaded[i].count(name), op, ": parameter ", i, " has state but no 'state.", i, ".",
                  name, "'");
    }
  }
  state_ = std::move(loaded);
  step_count_ = step_count;
}

}  // namespace leuko::optim
