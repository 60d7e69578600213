#include "engine/optim/lr_schedule.h"

#include <functional>
#include <memory>

#include "engine/optim/adam.h"
#include "engine/optim/clip_grad.h"
#include "engine/optim/sgd.h"
#include "tests/support/testing.h"

using namespace leuko;
using namespace leuko::optim;
using namespace leuko::testing;

static Tensor parameter() {
  Tensor p = zeros({1});
  p.set_requires_grad(true);
  return p;
}

// The optimizers the golden script builds: Adam(lr) or SGD(lr, momentum 0.9).
static std::unique_ptr<Optimizer> make_optimizer(const std::string& kind, double lr) {
  if (kind == "adam") {
    return std::make_unique<optim::Adam>(std::vector{parameter()}, optim::AdamOptions{.lr = lr});
  }
  return std::make_unique<optim::SGD>(std::vector{parameter()},
                                      optim::SGDOptions{.lr = lr, .momentum = 0.9});
}

using MakeSchedule = std::function<std::unique_ptr<LRSchedule>(Optimizer&)>;

struct GoldenSchedule {
  const char* name;
  const char* optimizer;
  double lr;
  MakeSchedule make;
  int steps;
};

// Mirrors SCHEDULES in scripts/golden/lr_schedule.py.
static std::vector<GoldenSchedule> golden_schedules() {
  auto onecycle = [](optim::OneCycleOptions o) -> MakeSchedule {
    return [o](Optimizer& opt) { return std::make_unique<OneCycle>(opt, o); };
  };
  return {
      {"onecycle_default", "adam", 0.01, onecycle({.max_lr = 0.01, .total_steps = 100}), 100},
      {"onecycle_epochs", "adam", 0.01,
       onecycle({.max_lr = 0.01, .epochs = 3, .steps_per_epoch = 7}), 21},
      {"onecycle_linear_sgd", "sgd", 0.1,
       onecycle({.max_lr = 0.5,
                 .total_steps = 37,
                 .pct_start = 0.25,
                 .anneal = Anneal::linear,
                 .base_momentum = 0.8,
                 .max_momentum = 0.9,
                 .div_factor = 10.0,
                 .final_div_factor = 100.0}),
       37},
      {"onecycle_three_phase", "sgd", 0.1,
       onecycle({.max_lr = 1.0, .total_steps = 50, .three_phase = true}), 50},
      {"onecycle_no_momentum", "adam", 0.01,
       onecycle({.max_lr = 0.003, .total_steps = 30, .cycle_momentum = false}), 30},
      {"steplr", "sgd", 0.1,
       [](Optimizer& opt) { return std::make_unique<optim::StepLR>(opt, 3, 0.5); }, 12},
      {"cosine", "sgd", 0.1,
       [](Optimizer& opt) { return std::make_unique<optim::CosineAnnealingLR>(opt, 10, 1e-3); },
       25},
  };
}

TEST_CASE("OneCycle, StepLR and CosineAnnealingLR set torch's lr and momentum at every step") {
  const SafetensorsFile golden = leuko::testing::load_golden("lr_schedule");
  for (const GoldenSchedule& c : golden_schedules()) {
    CAPTURE(c.name);
    std::unique_ptr<Optimizer> optimizer = make_optimizer(c.optimizer, c.lr);
    std::unique_ptr<LRSchedule> schedule = c.make(*optimizer);
    std::vector<float> lrs, momenta;
    for (int step = 0; step <= c.steps; ++step) {
      lrs.push_back(static_cast<float>(optimizer->lr()));
      momenta.push_back(static_cast<float>(optimizer->momentum()));
      if (step < c.steps) schedule->step();
    }
    CHECK(schedule->step_count() == c.steps);
    // OneCycle's extra step past the end holds the final values, where torch extrapolates.
    const bool onecycle = std::string(c.name).rfind("onecycle", 0) == 0;
    if (onecycle) {
      CHECK(lrs[c.steps] == lrs[c.steps - 1]);
      CHECK(momenta[c.steps] == momenta[c.steps - 1]);
    }
    // Both sides compute in double; the golden values are stored as float32, so equal up to
    // float32 rounding (half an ulp, ~6e-8 relative).
    const int64_t n = onecycle ? c.steps : c.steps + 1;
    const Tensor expected_lr = leuko::testing::golden_tensor(golden, std::string(c.name) + ".lr");
    const Tensor expected_momentum =
        leuko::testing::golden_tensor(golden, std::string(c.name) + ".momentum");
    check_close(from_vector(lrs, {c.steps + 1}).slice(0, 0, n), expected_lr.slice(0, 0, n), 1e-7f,
                0.0f, std::string(c.name) + " lr");
    check_close(from_vector(momenta, {c.steps + 1}).slice(0, 0, n),
                expected_momentum.slice(0, 0, n), 1e-7f, 0.0f, std::string(c.name) + " momentum");
  }
}

TEST_CASE("OneCycle with defaults: the spec's landmarks (study A: max_lr 0.01, 100 steps)") {
  optim::Adam adam({parameter()}, {.lr = 0.01});
  OneCycle schedule(adam, {.max_lr = 0.01, .total_steps = 100});
  CHECK(adam.lr() == doctest::Approx(4e-4));  // max_lr / 25
  CHECK(adam.beta1() == doctest::Approx(0.95));
  for (int i = 0; i < 29; ++i) schedule.step();  // phase 1 ends at 0.3 * 100 - 1
  CHECK(adam.lr() == doctest::Approx(0.01));
  CHECK(adam.beta1() == doctest::Approx(0.85));
  for (int i = 29; i < 99; ++i) schedule.step();            // phase 2 ends at 100 - 1
  CHECK(adam.lr() == doctest::Approx(4e-8).epsilon(1e-9));  // initial / 1e4
  CHECK(adam.beta1() == doctest::Approx(0.95));
  CHECK(adam.beta2() == 0.999);  // untouched
}

TEST_CASE("OneCycle may be stepped total_steps times, once more is an error, as in PyTorch") {
  optim::SGD sgd({parameter()}, {.lr = 0.1});
  OneCycle schedule(sgd, {.max_lr = 0.1, .epochs = 2, .steps_per_epoch = 5});
  CHECK(schedule.total_steps() == 10);
  for (int i = 0; i < 10; ++i) schedule.step();
  const double last_lr = sgd.lr();
  CHECK_THROWS_WITH_AS(schedule.step(),
                       doctest::Contains("OneCycle: stepped 11 times, but total_steps is 10"),
                       Error);
  CHECK(schedule.step_count() == 10);  // unchanged by the failed step
  CHECK(sgd.lr() == last_lr);
}

TEST_CASE("Adam under OneCycle with clip_grad_value_ (study A's step) matches torch, 12 steps") {
  // clip to +-0.1 -> Adam(lr 0.01, wd 1e-4) step with the schedule's lr and beta1 -> schedule
  // step. Tolerance as for Adam alone (tests/optim/adam_test.cpp): a few ulp per step.
  const SafetensorsFile golden = leuko::testing::load_golden("optim");
  Tensor p = leuko::testing::golden_tensor(golden, "onecycle_adam.p0.init").clone();
  p.set_requires_grad(true);
  const Tensor grads = leuko::testing::golden_tensor(golden, "onecycle_adam.p0.grads");
  const Tensor after = leuko::testing::golden_tensor(golden, "onecycle_adam.p0.after");
  optim::Adam adam({p}, {.lr = 0.01, .weight_decay = 1e-4});
  OneCycle onecycle(adam, {.max_lr = 0.01, .total_steps = 12});
  for (int64_t step = 0; step < 12; ++step) {
    p.set_grad(grads.slice(0, step, step + 1).reshape(p.shape()).clone());
    optim::clip_grad_value_({p}, 0.1);
    adam.step();
    onecycle.step();
    check_close(p, after.slice(0, step, step + 1).reshape(p.shape()), 1e-6f, 1e-7f,
                "after step " + std::to_string(step + 1));
  }
}

TEST_CASE("a schedule's state_dict restores its step and the optimizer's lr and momentum") {
  optim::Adam adam({parameter()}, {.lr = 0.01});
  OneCycle schedule(adam, {.max_lr = 0.01, .total_steps = 50});
  for (int i = 0; i < 17; ++i) schedule.step();
  const auto state = schedule.state_dict();
  CHECK(state.at("step").to_vector_i64() == std::vector<int64_t>{17});

  optim::Adam fresh_adam({parameter()}, {.lr = 0.01});
  OneCycle fresh(fresh_adam, {.max_lr = 0.01, .total_steps = 50});
  fresh.load_state_dict(state);
  CHECK(fresh.step_count() == 17);
  CHECK(fresh_adam.lr() == adam.lr());
  CHECK(fresh_adam.beta1() == adam.beta1());
  schedule.step();
  fresh.step();
  CHECK(fresh_adam.lr() == adam.lr());

  optim::SGD sgd({parameter()}, {.lr = 0.1});
  optim::StepLR step_lr(sgd, 2, 0.5);
  step_lr.load_state_dict({{"step", from_vector_i64({5}, {})}});
  CHECK(sgd.lr() == doctest::Approx(0.1 * 0.25));
  CHECK_THROWS_WITH_AS(step_lr.load_state_dict({{"step", scalar(5.0f)}}),
                       doctest::Contains("StepLR: load_state_dict: 'step' must be one int64"),
                       Error);
  CHECK_THROWS_WITH_AS(step_lr.load_state_dict({}),
                       doctest::Contains("expected exactly one entry, 'step'"), Error);
  CHECK_THROWS_WITH_AS(fresh.load_state_dict({{"step", from_vector_i64({51}, {})}}),
                       doctest::Contains("OneCycle: stepped 51 times, but total_steps is 50"),
                       Error);
}

TEST_CASE("schedules reject bad settings with clear messages") {
  optim::SGD sgd({parameter()}, {.lr = 0.1});
  CHECK_THROWS_WITH_AS(OneCycle(sgd, {.max_lr = 0.1}),
                       doctest::Contains("give total_steps, or epochs and steps_per_epoch"), Error);
  CHECK_THROWS_WITH_AS(OneCycle(sgd, {.max_lr = 0.1, .total_steps = -5}),
                       doctest::Contains("OneCycle: total_steps must be > 0, got -5"), Error);
  CHECK_THROWS_WITH_AS(OneCycle(sgd, {.max_lr = 0.0, .total_steps = 10}),
                       doctest::Contains("OneCycle: max_lr must be > 0"), Error);
  CHECK_THROWS_WITH_AS(OneCycle(sgd, {.max_lr = 0.1, .total_steps = 10, .pct_start = 1.5}),
                       doctest::Contains("OneCycle: pct_start must be in [0, 1], got 1.5"), Error);
  CHECK_THROWS_WITH_AS(OneCycle(sgd, {.max_lr = 0.1, .total_steps = 10, .pct_start = 0.1}),
                       doctest::Contains("OneCycle: phase 1 of 2 has no steps"), Error);
  optim::Adam adam({parameter()});
  CHECK_THROWS_WITH_AS(OneCycle(adam, {.max_lr = 0.1, .total_steps = 10, .max_momentum = 1.0}),
                       doctest::Contains("Adam: beta1 must be in [0, 1), got 1"), Error);
  CHECK_THROWS_WITH_AS(optim::StepLR(sgd, 0), doctest::Contains("StepLR: step_size must be > 0"),
                       Error);
  CHECK_THROWS_WITH_AS(optim::CosineAnnealingLR(sgd, 0),
                       doctest::Contains("CosineAnnealingLR: T_max must be > 0"), Error);
}
