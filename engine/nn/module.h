// Module: a named tree of parameters, buffers and child modules, like torch.nn.Module.
// Names are dotted paths ("layer1.0.conv1.weight") so torchvision state dicts map 1:1.
// Parameters are leaf tensors that require grad; buffers (BN running stats) do not.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/tensor.h"

namespace leuko::nn {

class Module {
 public:
  virtual ~Module() = default;

  // Single-input modules override forward; multi-input models expose their own methods.
  virtual Tensor forward(const Tensor& x);
  Tensor operator()(const Tensor& x);  // forward, then the observer of ObserveForward if any

  std::vector<std::pair<std::string, Tensor>> named_parameters() const;
  std::vector<std::pair<std::string, Tensor>> named_buffers() const;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> named_children() const {
    return children_;
  }
  // This module and every module below it, depth first, with dotted names ("" for this one).
  std::vector<std::pair<std::string, const Module*>> named_modules() const;
  std::vector<Tensor> parameters() const;            // all, frozen ones included
  std::vector<Tensor> trainable_parameters() const;  // requires_grad only
  int64_t parameter_count(bool trainable_only = false) const;

  // Parameters and buffers by dotted name (the safetensors / torchvision layout).
  std::map<std::string, Tensor> state_dict() const;

  // Copies values by name into this module's tensors (their identity is kept, so optimizers
  // holding them stay valid). A shape or dtype mismatch is always an error naming the key and
  // both shapes; missing and unexpected keys are errors when `strict`, else reported back.
  struct LoadReport {
    std::vector<std::string> missing;     // in the module, not in the file
    std::vector<std::string> unexpected;  // in the file, not in the module
  };
  LoadReport load_state_dict(const std::map<std::string, Tensor>& state, bool strict = true);

  // train(false) == eval(); applies to the whole subtree.
  virtual void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }

  // Moves every parameter and buffer (and gradient) to `device` in place: the tensors keep
  // their identity, so optimizers and other holders of them see the moved values.
  void to(Device device);

  void zero_grad();
  void set_requires_grad(bool on);  // freeze (false) or unfreeze every parameter below

  // Freezing a sub-model, in the two modes the studies need:
  //  gradients_only: no gradient reaches its parameters and optimizers skip them, but its
  //                  BatchNorm layers still follow train()/eval() (what the PyTorch studies
  //                  did: batch statistics and running-stat updates while the whole model
  //                  trains);
  //  full:           the same, and the subtree stays in eval mode whatever train() says.
  enum class FreezeMode { gradients_only, full };
  void freeze(FreezeMode mode);
  void unfreeze();

 protected:
  Tensor register_parameter(const std::string& name, Tensor t);  // marks it requires_grad
  Tensor register_buffer(const std::string& name, Tensor t);
  template <typename M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> module) {
    children_.emplace_back(name, module);
    return module;
  }

 private:
  void collect(const std::string& prefix, bool buffers,
               std::vector<std::pair<std::string, Tensor>>& out) const;

  std::vector<std::pair<std::string, Tensor>> parameters_;
  std::vector<std::pair<std::string, Tensor>> buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
  bool pinned_eval_ = false;  // set by freeze(FreezeMode::full)
};

// While alive, every module call on this thread reports (module, output) to `after`, and
// first (module, input) to `before` when one is given: how tests check each stage's output
// shape, and how `leuko summary` sizes and counts each layer (engine/nn/summary.h).
class ObserveForward {
 public:
  using Observer = std::function<void(const Module&, const Tensor&)>;
  explicit ObserveForward(Observer after, Observer before = nullptr);
  ~ObserveForward();
  ObserveForward(const ObserveForward&) = delete;
  ObserveForward& operator=(const ObserveForward&) = delete;
  static const ObserveForward* current();

  const Observer& before() const { return before_; }
  const Observer& after() const { return after_; }

 private:
  Observer after_, before_;
  const ObserveForward* previous_;
};

// Runs its children in order; they are named "0", "1", ... as in torch.nn.Sequential.
class Sequential : public Module {
 public:
  Sequential() = default;
  explicit Sequential(std::vector<std::shared_ptr<Module>> modules);
  void push_back(std::shared_ptr<Module> module);
  Tensor forward(const Tensor& x) override;
  size_t size() const { return layers_.size(); }
  std::shared_ptr<Module> operator[](size_t i) const { return layers_.at(i); }

 private:
  std::vector<std::shared_ptr<Module>> layers_;
};

}  // namespace leuko::nn
