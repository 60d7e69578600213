// Learning-rate schedules with torch.optim.lr_scheduler's semantics. A schedule sets the
// optimizer's lr for step 0 when it is built, and the lr for step k after its k-th step();
// the caller steps it once per optimizer step or once per epoch, after optimizer.step():
//
//   optim::OneCycle schedule(optimizer, {.max_lr = 0.01, .epochs = 10, .steps_per_epoch = 600});
//   for (...) { loss.backward(); optimizer.step(); optimizer.zero_grad(); schedule.step(); }
//
// A schedule keeps a reference to its optimizer, which must outlive it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/optim/optimizer.h"

namespace leuko::optim {

class LRSchedule {
 public:
  virtual ~LRSchedule() = default;
  LRSchedule(const LRSchedule&) = delete;
  LRSchedule& operator=(const LRSchedule&) = delete;

  void step();
  int64_t step_count() const { return step_count_; }  // PyTorch's last_epoch
  const std::string& name() const { return name_; }

  // {"step": int64}. Loading sets the optimizer's lr (and momentum) for that step again, so
  // it does not matter whether the optimizer's state or the schedule's is loaded first.
  std::map<std::string, Tensor> state_dict() const;
  void load_state_dict(const std::map<std::string, Tensor>& state);

 protected:
  LRSchedule(std::string name, Optimizer& optimizer);
  // Sets the optimizer's lr (and momentum) for `step`; throws if `step` is out of range.
  // Derived constructors call apply(0) last, once their settings are checked.
  virtual void apply(int64_t step) = 0;

  Optimizer& optimizer_;

 private:
  std::string name_;
  int64_t step_count_ = 0;
};

enum class Anneal { cos, linear };

// OneCycleLR: lr warms up from max_lr / div_factor to max_lr over the first pct_start of
// the steps, then anneals to max_lr / (div_factor * final_div_factor); with three_phase it
// first returns to the initial lr, then anneals. With cycle_momentum the optimizer's momentum
// (Adam's beta1) runs the opposite way, max_momentum -> base_momentum -> max_momentum.
// Phase i ends at step pct_start * total_steps - 1 (three_phase: 2 pct_start total - 2) and
// the last at total_steps - 1. As in PyTorch, the schedule may be stepped total_steps times
// (the last step's values are then kept: PyTorch extrapolates there, to a negative lr with
// linear annealing) and stepping it once more is an error.
struct OneCycleOptions {
  double max_lr = 0.0;      // required
  int64_t total_steps = 0;  // either this,
  int64_t epochs = 0;       // or epochs x steps_per_epoch
  int64_t steps_per_epoch = 0;
  double pct_start = 0.3;
  Anneal anneal = Anneal::cos;
  bool cycle_momentum = true;
  double base_momentum = 0.85;
  double max_momentum = 0.95;
  double div_factor = 25.0;
  double final_div_factor = 1e4;
  bool three_phase = false;
};

class OneCycle : public LRSchedule {
 public:
  OneCycle(Optimizer& optimizer, const OneCycleOptions& options);
  int64_t total_steps() const { return total_steps_; }

 protected:
  void apply(int64_t step) override;

 private:
  struct Phase {
    double end_step;  // fractional, as PyTorch computes it
    double start_lr, end_lr, start_momentum, end_momentum;
  };
  OneCycleOptions options_;
  int64_t total_steps_;
  std::vector<Phase> phases_;
};

// StepLR: lr = initial lr * gamma^floor(step / step_size).
class StepLR : public LRSchedule {
 public:
  StepLR(Optimizer& optimizer, int64_t step_size, double gamma = 0.1);

 protected:
  void apply(int64_t step) override;

 private:
  double base_lr_, gamma_;
  int64_t step_size_;
};

// CosineAnnealingLR: lr = eta_min + (initial lr - eta_min) (1 + cos(pi step / T_max)) / 2.
// Past T_max it keeps following the cosine (back up), as PyTorch's does.
class CosineAnnealingLR : public LRSchedule {
 public:
  CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min = 0.0);

 protected:
  void apply(int64_t step) override;

 private:
  double base_lr_, eta_min_;
  int64_t T_max_;
};

}  // namespace leuko::optim
