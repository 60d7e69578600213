#include "engine/nn/module.h"

#include <typeinfo>

#include "engine/error.h"

namespace leuko::nn {

Tensor Module::forward(const Tensor&) {
  throw Error(cat("module ", typeid(*this).name(), " has no single-input forward()"));
}

Tensor Module::operator()(const Tensor& x) {
  const ObserveForward* observe = ObserveForward::current();
  if (observe && observe->before()) observe->before()(*this, x);
  Tensor y = forward(x);
  if (observe) observe->after()(*this, y);
  return y;
}

static thread_local const ObserveForward* current_observer = nullptr;

ObserveForward::ObserveForward(Observer after, Observer before)
    : after_(std::move(after)), before_(std::move(before)), previous_(current_observer) {
  current_observer = this;
}

ObserveForward::~ObserveForward() { current_observer = previous_; }

const ObserveForward* ObserveForward::current() { return current_observer; }

std::vector<std::pair<std::string, const Module*>> Module::named_modules() const {
  std::vector<std::pair<std::string, const Module*>> out{{"", this}};
  for (const auto& [name, child] : children_) {
    for (const auto& [sub, module] : child->named_modules()) {
      out.emplace_back(sub.empty() ? name : name + "." + sub, module);
    }
  }
  return out;
}

void Module::collect(const std::string& prefix, bool buffers,
                     std::vector<std::pair<std::string, Tensor>>& out) const {
  for (const auto& [name, t] : buffers ? buffers_ : parameters_) out.emplace_back(prefix + name, t);
  for (const auto& [name, child] : children_) child->collect(prefix + name + ".", buffers, out);
}

std::vector<std::pair<std::string, Tensor>> Module::named_parameters() const {
  std::vector<std::pair<std::string, Tensor>> out;
  collect("", false, out);
  return out;
}

std::vector<std::pair<std::string, Tensor>> Module::named_buffers() const {
  std::vector<std::pair<std::string, Tensor>> out;
  collect("", true, out);
  return out;
}

std::vector<Tensor> Module::parameters() const {
  std::vector<Tensor> out;
  for (const auto& [name, t] : named_parameters()) out.push_back(t);
  return out;
}

std::vector<Tensor> Module::trainable_parameters() const {
  std::vector<Tensor> out;
  for (const auto& [name, t] : named_parameters()) {
    if (t.requires_grad()) out.push_back(t);
  }
  return out;
}

int64_t Module::parameter_count(bool trainable_only) const {
  int64_t count = 0;
  for (const auto& [name, t] : named_parameters()) {
    if (!trainable_only || t.requires_grad()) count += t.numel();
  }
  return count;
}

std::map<std::string, Tensor> Module::state_dict() const {
  std::map<std::string, Tensor> out;
  for (const auto& [name, t] : named_parameters()) out[name] = t;
  for (const auto& [name, t] : named_buffers()) out[name] = t;
  return out;
}

Module::LoadReport Module::load_state_dict(const std::map<std::string, Tensor>& state,
                                           bool strict) {
  const std::map<std::string, Tensor> own = state_dict();
  LoadReport report;
  for (const auto& [name, target] : own) {
    auto it = state.find(name);
    if (it == state.end()) {
      report.missing.push_back(name);
      continue;
    }
    const Tensor& source = it->second;
    LEUKO_CHECK(source.shape() == target.shape(), "load_state_dict: '", name, "' has shape ",
                to_string(source.shape()), " in the file but ", to_string(target.shape()),
                " in the model");
    LEUKO_CHECK(source.dtype() == target.dtype(), "load_state_dict: '", name, "' is ",
                to_string(source.dtype()), " in the file but ", to_string(target.dtype()),
                " in the model");
  }
  for (const auto& [name, source] : state) {
    if (!own.count(name)) report.unexpected.push_back(name);
  }
  if (strict && (!report.missing.empty() || !report.unexpected.empty())) {
    // One line: the first name of each kind and the counts (a foreign file has dozens).
    std::string message = "load_state_dict (strict):";
    if (!report.missing.empty())
      message += cat(" ", report.missing.size(), " missing key(s), the first '",
                     report.missing.front(), "'");
    if (!report.unexpected.empty())
      message += cat(report.missing.empty() ? " " : "; ", report.unexpected.size(),
                     " unexpected key(s), the first '", report.unexpected.front(), "'");
    throw Error(message + " (another model's file?)");
  }
  // Checked everything first, so a failed load leaves the module untouched.
  for (const auto& [name, target] : own) {
    auto it = state.find(name);
    if (it != state.end()) target.copy_(it->second.to(target.device()));
  }
  return report;
}

void Module::train(bool on) {
  training_ = on && !pinned_eval_;
  for (const auto& [name, child] : children_) child->train(training_);
}

void Module::freeze(FreezeMode mode) {
  set_requires_grad(false);
  pinned_eval_ = mode == FreezeMode::full;
  if (pinned_eval_) train(false);
}

void Module::unfreeze() {
  set_requires_grad(true);
  pinned_eval_ = false;
}

// Re-points the shared TensorImpl at a copy on `device`, so every handle sees the move.
static void move_in_place(const Tensor& t, Device device) {
  if (t.device() == device) return;
  const Tensor moved = t.to(device);
  t.impl()->storage = moved.impl()->storage;
  t.impl()->offset = moved.offset();
  t.impl()->strides = moved.strides();
}

void Module::to(Device device) {
  for (const auto& [name, t] : named_parameters()) {
    move_in_place(t, device);
    if (t.grad().defined()) move_in_place(t.grad(), device);
  }
  for (const auto& [name, t] : named_buffers()) move_in_place(t, device);
}

void Module::zero_grad() {
  for (const auto& [name, t] : named_parameters()) Tensor(t).zero_grad();
}

void Module::set_requires_grad(bool on) {
  for (const auto& [name, t] : named_parameters()) Tensor(t).set_requires_grad(on);
}

Tensor Module::register_parameter(const std::string& name, Tensor t) {
  t.set_requires_grad(true);
  parameters_.emplace_back(name, t);
  return t;
}

Tensor Module::register_buffer(const std::string& name, Tensor t) {
  buffers_.emplace_back(name, t);
  return t;
}

Sequential::Sequential(std::vector<std::shared_ptr<Module>> modules) {
  for (auto& m : modules) push_back(std::move(m));
}

void Sequential::push_back(std::shared_ptr<Module> module) {
  register_module(std::to_string(layers_.size()), module);
  layers_.push_back(std::move(module));
}

Tensor Sequential::forward(const Tensor& x) {
  Tensor y = x;
  for (const auto& layer : layers_) y = (*layer)(y);
  return y;
}

}  // namespace leuko::nn
