// Optimizer: what SGD, Adam/AdamW and RMSprop share, as torch.optim.Optimizer with a single
// parameter group. It holds the parameters (shared handles: updates are seen by the model)
// and, per parameter, named state tensors created on the parameter's first update.
//
//   optim::Adam optimizer(model.parameters(), {.lr = 0.01, .weight_decay = 1e-4});
//   loss.backward();
//   optimizer.step();       // updates every parameter that has a gradient
//   optimizer.zero_grad();  // drops the gradients (PyTorch's set_to_none)
//
// A parameter whose gradient is undefined (frozen, or unused by this loss) is skipped: it is
// not changed and gets no state, as in PyTorch.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/tensor.h"

namespace leuko::optim {

// One parameter's state by name: "exp_avg", "momentum_buffer", "step", ...
using ParamState = std::map<std::string, Tensor>;

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  void step();
  void zero_grad();

  const std::string& name() const { return name_; }
  const std::vector<Tensor>& params() const { return params_; }
  int64_t step_count() const { return step_count_; }  // calls of step() so far

  double lr() const { return lr_; }
  void set_lr(double lr);  // >= 0: schedules may reach 0 (e.g. cosine with eta_min 0)

  // The first-moment coefficient a schedule may cycle (OneCycle's cycle_momentum): SGD's and
  // RMSprop's momentum, Adam's beta1.
  virtual double momentum() const = 0;
  virtual void set_momentum(double momentum) = 0;

  // The state for a checkpoint: "step" (int64, calls of step()) and "state.<i>.<name>" for
  // every parameter i that has state (parameters never updated have none). The tensors are
  // copies. Hyperparameters are not included: they come from the constructor, or from the LR
  // schedule, whose own state restores them.
  std::map<std::string, Tensor> state_dict() const;
  // Replaces all state; checks every key, shape and dtype against these parameters first.
  void load_state_dict(const std::map<std::string, Tensor>& state);

 protected:
  // Checks the parameters (at least one, none twice, float32 contiguous leaves) and lr > 0;
  // `name` ("Adam") starts every error message.
  Optimizer(std::string name, std::vector<Tensor> params, double lr);

  // Updates `param` in place from `grad` (same shape, contiguous, on the parameter's device),
  // creating the parameter's state on its first update, on that device.
  virtual void update(const Tensor& param, const Tensor& grad, ParamState& state) = 0;
  // The state names an updated parameter holds under the current settings.
  virtual std::vector<std::string> state_names() const = 0;

  // Throws "<name>: <what> must be <requirement>, got <value>" unless `ok`.
  void check_hyperparameter(bool ok, const char* what, const char* requirement, double value) const;

 private:
  std::string name_;
  std::vector<Tensor> params_;
  std::vector<ParamState> state_;  // parallel to params_
  double lr_;
  int64_t step_count_ = 0;
};

}  // namespace leuko::optim
