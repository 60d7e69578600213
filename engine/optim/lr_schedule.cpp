#include "engine/optim/lr_schedule.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "engine/error.h"

namespace leuko::optim {

LRSchedule::LRSchedule(std::string name, Optimizer& optimizer)
    : optimizer_(optimizer), name_(std::move(name)) {}

void LRSchedule::step() {
  apply(step_count_ + 1);  // first, so a step out of range leaves the schedule unchanged
  ++step_count_;
}

std::map<std::string, Tensor> LRSchedule::state_dict() const {
  return {{"step", from_vector_i64({step_count_}, {})}};
}

void LRSchedule::load_state_dict(const std::map<std::string, Tensor>& state) {
  auto it = state.find("step");
  LEUKO_CHECK(it != state.end() && state.size() == 1, name_,
              ": load_state_dict: expected exactly one entry, 'step', got ", state.size(),
              " entries");
  const Tensor& step = it->second;
  LEUKO_CHECK(step.dtype() == DType::i64 && step.numel() == 1, name_,
              ": load_state_dict: 'step' must be one int64 value, got ", to_string(step.dtype()),
              " ", to_string(step.shape()));
  const int64_t value = step.to_vector_i64()[0];
  LEUKO_CHECK(value >= 0, name_, ": load_state_dict: 'step' must be >= 0, got ", value);
  apply(value);
  step_count_ = value;
}

// ---- OneCycle ---------------------------------------------------------------------------

// From `start` (pct 0) to `end` (pct 1).
static double anneal(Anneal kind, double start, double end, double pct) {
  if (kind == Anneal::linear) return (end - start) * pct + start;
  return end + (start - end) / 2.0 * (std::cos(std::numbers::pi * pct) + 1.0);
}

OneCycle::OneCycle(Optimizer& optimizer, const OneCycleOptions& o)
    : LRSchedule("OneCycle", optimizer), options_(o) {
  if (o.total_steps != 0) {
    LEUKO_CHECK(o.total_steps > 0, "OneCycle: total_steps must be > 0, got ", o.total_steps);
    total_steps_ = o.total_steps;
  } else {
    LEUKO_CHECK(o.epochs > 0 && o.steps_per_epoch > 0,
                "OneCycle: give total_steps, or epochs and steps_per_epoch (each > 0); got "
                "epochs ",
                o.epochs, " and steps_per_epoch ", o.steps_per_epoch);
    total_steps_ = o.epochs * o.steps_per_epoch;
  }
  LEUKO_CHECK(o.max_lr > 0.0 && std::isfinite(o.max_lr), "OneCycle: max_lr must be > 0, got ",
              o.max_lr);
  LEUKO_CHECK(o.pct_start >= 0.0 && o.pct_start <= 1.0,
              "OneCycle: pct_start must be in [0, 1], got ", o.pct_start);
  LEUKO_CHECK(o.div_factor > 0.0 && o.final_div_factor > 0.0,
              "OneCycle: div_factor and final_div_factor must be > 0, got ", o.div_factor, " and ",
              o.final_div_factor);

  const double initial_lr = o.max_lr / o.div_factor;
  const double min_lr = initial_lr / o.final_div_factor;
  // volatile keeps each product rounded on its own, as in Python: a fused multiply-add would
  // move a phase end such as 0.1 x 10 - 1 off 0 by 1e-17.
  volatile const double up_steps = o.pct_start * static_cast<double>(total_steps_);
  volatile const double double_up_steps = 2.0 * o.pct_start * static_cast<double>(total_steps_);
  const double up_end = up_steps - 1.0;
  const double last = static_cast<double>(total_steps_ - 1);
  const double high_m = o.max_momentum, low_m = o.base_momentum;
  if (o.three_phase) {
    const double down_end = double_up_steps - 2.0;
    phases_ = {{up_end, initial_lr, o.max_lr, high_m, low_m},
               {down_end, o.max_lr, initial_lr, low_m, high_m},
               {last, initial_lr, min_lr, high_m, high_m}};
  } else {
    phases_ = {{up_end, initial_lr, o.max_lr, high_m, low_m},
               {last, o.max_lr, min_lr, low_m, high_m}};
  }
  // PyTorch divides by each phase's length: a phase of length 0 is a division by zero there.
  double start = 0.0;
  for (size_t i = 0; i < phases_.size(); ++i) {
    LEUKO_CHECK(phases_[i].end_step != start, "OneCycle: phase ", i + 1, " of ", phases_.size(),
                " has no steps (total_steps ", total_steps_, ", pct_start ", o.pct_start,
                "); use more steps or another pct_start");
    start = phases_[i].end_step;
  }
  apply(0);
}

void OneCycle::apply(int64_t step) {
  LEUKO_CHECK(step <= total_steps_, "OneCycle: stepped ", step, " times, but total_steps is ",
              total_steps_,
              " (step the schedule once per optimizer step, and size it for the "
              "whole run: epochs x steps_per_epoch)");
  const double s = static_cast<double>(step);
  double start = 0.0;
  for (size_t i = 0; i < phases_.size(); ++i) {
    const Phase& phase = phases_[i];
    if (s <= phase.end_step || i + 1 == phases_.size()) {
      // PyTorch allows one step past the last phase and extrapolates there (with linear
      // annealing to a negative lr); this holds the final values instead.
      const double pct = std::min((s - start) / (phase.end_step - start), 1.0);
      optimizer_.set_lr(anneal(options_.anneal, phase.start_lr, phase.end_lr, pct));
      if (options_.cycle_momentum) {
        optimizer_.set_momentum(
            anneal(options_.anneal, phase.start_momentum, phase.end_momentum, pct));
      }
      return;
    }
    start = phase.end_step;
  }
}

// ---- StepLR -----------------------------------------------------------------------------

StepLR::StepLR(Optimizer& optimizer, int64_t step_size, double gamma)
    : LRSchedule("StepLR", optimizer),
      base_lr_(optimizer.lr()),
      gamma_(gamma),
      step_size_(step_size) {
  LEUKO_CHECK(step_size > 0, "StepLR: step_size must be > 0, got ", step_size);
  LEUKO_CHECK(gamma > 0.0 && std::isfinite(gamma), "StepLR: gamma must be > 0, got ", gamma);
  apply(0);
}

void StepLR::apply(int64_t step) {
  optimizer_.set_lr(base_lr_ * std::pow(gamma_, static_cast<double>(step / step_size_)));
}

// ---- CosineAnnealingLR --------------------------------------------------------------------

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min)
    : LRSchedule("CosineAnnealingLR", optimizer),
      base_lr_(optimizer.lr()),
      eta_min_(eta_min),
      T_max_(T_max) {
  LEUKO_CHECK(T_max > 0, "CosineAnnealingLR: T_max must be > 0, got ", T_max);
  LEUKO_CHECK(eta_min >= 0.0 && std::isfinite(eta_min),
              "CosineAnnealingLR: eta_min must be >= 0, got ", eta_min);
  apply(0);
}

// PyTorch updates the lr recursively from the previous one; this closed form is the same
// curve (the recursion is derived from it) without its accumulated rounding.
void CosineAnnealingLR::apply(int64_t step) {
  const double phase = std::numbers::pi * static_cast<double>(step) / static_cast<double>(T_max_);
  optimizer_.set_lr(eta_min_ + (base_lr_ - eta_min_) * (1.0 + std::cos(phase)) / 2.0);
}

}  // namespace leuko::optim
