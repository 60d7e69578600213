// What every optimizer shares (engine/optim/optimizer.h): skipping parameters without a
// gradient, checkpoint state, argument checks; and that each optimizer really minimizes.
#include "engine/optim/optimizer.h"

#include <filesystem>
#include <functional>
#include <memory>

#include "engine/autograd.h"
#include "engine/io/safetensors.h"
#include "engine/ops.h"
#include "engine/optim/adam.h"
#include "engine/optim/lr_schedule.h"
#include "engine/optim/rmsprop.h"
#include "engine/optim/sgd.h"
#include "tests/support/testing.h"

using namespace leuko;
using namespace leuko::optim;

using MakeOptimizer = std::function<std::unique_ptr<Optimizer>(const std::vector<Tensor>&)>;

static const std::vector<std::pair<const char*, MakeOptimizer>>& all_optimizers() {
  static const std::vector<std::pair<const char*, MakeOptimizer>> makers = {
      {"SGD nesterov",
       [](const std::vector<Tensor>& p) {
         return std::make_unique<optim::SGD>(
             p, optim::SGDOptions{
                    .lr = 0.05, .momentum = 0.9, .weight_decay = 1e-3, .nesterov = true});
       }},
      {"Adam",
       [](const std::vector<Tensor>& p) {
         return std::make_unique<optim::Adam>(p,
                                              optim::AdamOptions{.lr = 0.05, .weight_decay = 1e-4});
       }},
      {"AdamW",
       [](const std::vector<Tensor>& p) {
         return std::make_unique<optim::AdamW>(p, optim::AdamWOptions{.lr = 0.05});
       }},
      {"RMSprop centered momentum",
       [](const std::vector<Tensor>& p) {
         return std::make_unique<optim::RMSprop>(
             p, optim::RMSpropOptions{.lr = 0.01, .momentum = 0.5, .centered = true});
       }},
  };
  return makers;
}

static Tensor trainable(const Tensor& t) {
  Tensor copy = t.clone();
  copy.set_requires_grad(true);
  return copy;
}

TEST_CASE("parameters without a gradient (frozen or unused) are untouched and get no state") {
  for (const auto& [name, make] : all_optimizers()) {
    CAPTURE(name);
    Generator g(3);
    Tensor frozen = uniform({4}, -1, 1, g);  // requires_grad false
    Tensor unused = trainable(uniform({2, 3}, -1, 1, g));
    Tensor used = trainable(uniform({5}, -1, 1, g));
    const std::vector<float> frozen_before = frozen.to_vector(), unused_before = unused.to_vector(),
                             used_before = used.to_vector();
    std::unique_ptr<Optimizer> optimizer = make({frozen, unused, used});
    for (int step = 0; step < 3; ++step) {
      used.set_grad(uniform({5}, -1, 1, g));
      optimizer->step();
    }
    CHECK(frozen.to_vector() == frozen_before);
    CHECK(unused.to_vector() == unused_before);
    CHECK(used.to_vector() != used_before);
    CHECK(optimizer->step_count() == 3);
    for (const auto& [key, tensor] : optimizer->state_dict()) {
      CHECK_MESSAGE((key == "step" || key.rfind("state.2.", 0) == 0), "unexpected key ", key);
    }
    optimizer->zero_grad();
    CHECK_FALSE(used.grad().defined());
  }
}

TEST_CASE("state_dict, saved and loaded into a fresh optimizer, continues bit for bit") {
  const std::string path =
      (std::filesystem::temp_directory_path() / "leuko_optimizer_state.safetensors").string();
  for (const auto& [name, make] : all_optimizers()) {
    CAPTURE(name);
    Generator g(11);
    std::vector<Tensor> grads;
    for (int i = 0; i < 6; ++i) grads.push_back(uniform({3, 5}, -1, 1, g));
    Tensor a = trainable(uniform({3, 5}, -1, 1, g));
    std::unique_ptr<Optimizer> original = make({a});
    for (int step = 0; step < 3; ++step) {
      a.set_grad(grads[step]);
      original->step();
    }
    save_safetensors(path, original->state_dict());

    Tensor b = trainable(a);  // the same values, as a checkpointed model would restore them
    std::unique_ptr<Optimizer> resumed = make({b});
    resumed->load_state_dict(load_safetensors(path).tensors);
    CHECK(resumed->step_count() == 3);
    for (int step = 3; step < 6; ++step) {
      a.set_grad(grads[step]);
      b.set_grad(grads[step]);
      original->step();
      resumed->step();
    }
    CHECK(a.to_vector() == b.to_vector());
  }
  std::filesystem::remove(path);
}

TEST_CASE("load_state_dict checks keys, shapes and completeness before changing anything") {
  Tensor p = trainable(zeros({2, 2}));
  optim::Adam optimizer({p});
  p.set_grad(ones({2, 2}));
  optimizer.step();
  const std::map<std::string, Tensor> good = optimizer.state_dict();

  auto without = [&](const std::string& key) {
    auto state = good;
    state.erase(key);
    return state;
  };
  auto with = [&](const std::string& key, const Tensor& value) {
    auto state = good;
    state[key] = value;
    return state;
  };
  CHECK_THROWS_WITH_AS(optimizer.load_state_dict(without("step")),
                       doctest::Contains("Adam: load_state_dict: the state has no 'step' entry"),
                       Error);
  CHECK_THROWS_WITH_AS(optimizer.load_state_dict(without("state.0.exp_avg_sq")),
                       doctest::Contains("parameter 0 has state but no 'state.0.exp_avg_sq'"),
                       Error);
  CHECK_THROWS_WITH_AS(
      optimizer.load_state_dict(with("state.0.exp_avg", zeros({4}))),
      doctest::Contains("'state.0.exp_avg' must be float32 [2, 2], got float32 [4]"), Error);
  CHECK_THROWS_WITH_AS(optimizer.load_state_dict(with("state.1.exp_avg", zeros({2, 2}))),
                       doctest::Contains("key 'state.1.exp_avg' names no parameter"), Error);
  CHECK_THROWS_WITH_AS(optimizer.load_state_dict(with("state.0.momentum_buffer", zeros({2, 2}))),
                       doctest::Contains("'state.0.momentum_buffer' is not state this Adam keeps"),
                       Error);
  CHECK_THROWS_WITH_AS(optimizer.load_state_dict(with("lr", scalar(0.1f))),
                       doctest::Contains("unexpected key 'lr'"), Error);
  CHECK_THROWS_WITH_AS(optimizer.load_state_dict(with("step", scalar(1.0f))),
                       doctest::Contains("'step' must be one int64 value, got float32 []"), Error);
  // None of the failed loads changed the state.
  const auto after = optimizer.state_dict();
  CHECK(after.at("state.0.exp_avg").to_vector() == good.at("state.0.exp_avg").to_vector());
  CHECK(optimizer.step_count() == 1);
}

TEST_CASE("optimizers reject parameters they cannot update") {
  Tensor p = trainable(zeros({3}));
  CHECK_THROWS_WITH_AS(optim::Adam({}, {}),
                       doctest::Contains("Adam: no parameters to optimize (are they all frozen?)"),
                       Error);
  CHECK_THROWS_WITH_AS(optim::AdamW({zeros({3}), zeros({2})}),
                       doctest::Contains("AdamW: no parameters to optimize (are they all frozen?)"),
                       Error);
  CHECK_THROWS_WITH_AS(optim::SGD({p, p}),
                       doctest::Contains("parameter 1 of shape [3] appears twice"), Error);
  CHECK_THROWS_WITH_AS(optim::RMSprop({p, p * 2.0f}),
                       doctest::Contains("RMSprop: parameter 1 of shape [3] is not a leaf tensor"),
                       Error);
  CHECK_THROWS_WITH_AS(optim::Adam({p, zeros({2}, DType::i64)}),
                       doctest::Contains("Adam: parameter 1"), Error);
  optim::Adam optimizer({p});
  CHECK_THROWS_WITH_AS(optimizer.set_lr(-0.5), doctest::Contains("Adam: lr must be >= 0"), Error);
  optimizer.set_lr(0.0);  // schedules may reach 0
  CHECK(optimizer.lr() == 0.0);
}

TEST_CASE("a large parameter (the multi-threaded path) gets the same update as a small one") {
  const int64_t n = 100003;
  for (const auto& [name, make] : all_optimizers()) {
    CAPTURE(name);
    Generator g(7);
    Tensor big = trainable(uniform({n}, -1, 1, g));
    Tensor small = trainable(big.slice(0, n - 5, n));  // its tail, updated alone: one thread
    const Tensor grad = uniform({n}, -1, 1, g);
    std::unique_ptr<Optimizer> big_optimizer = make({big}), small_optimizer = make({small});
    for (int step = 0; step < 3; ++step) {
      big.set_grad(grad.clone());
      small.set_grad(grad.slice(0, n - 5, n).clone());
      big_optimizer->step();
      small_optimizer->step();
    }
    // Elementwise the same arithmetic; only the compiler's choice of fused multiply-adds in
    // vector and scalar code may differ, by an ulp.
    leuko::testing::check_close(big.slice(0, n - 5, n), small, 1e-6f, 1e-7f,
                                std::string(name) + ": tail of the large parameter");
  }
}

// Linear regression y = X w + b with 3 features, full batch: every optimizer must drive the
// mean squared error to ~0 and recover w and b (a cosine schedule lets the adaptive ones settle).
TEST_CASE("every optimizer fits a small linear regression") {
  Generator g(21);
  const Tensor x = uniform({64, 3}, -1, 1, g);
  const Tensor true_w = from_vector({0.5f, -1.5f, 2.0f}, {3});
  const float true_b = 0.3f;
  const Tensor y = sum(x * true_w, {1}) + true_b;
  for (const auto& [name, make] : all_optimizers()) {
    CAPTURE(name);
    Tensor w = trainable(zeros({3})), b = trainable(zeros({1}));
    std::unique_ptr<Optimizer> optimizer = make({w, b});
    optim::CosineAnnealingLR schedule(*optimizer, 400);
    float loss_value = 0.0f;
    for (int step = 0; step < 400; ++step) {
      const Tensor error = sum(x * w, {1}) + b - y;
      Tensor loss = mean(error * error);
      loss_value = loss.item();
      loss.backward();
      optimizer->step();
      optimizer->zero_grad();
      schedule.step();
    }
    CHECK(loss_value < 1e-4f);
    leuko::testing::check_close(w, true_w, 0.0f, 2e-2f, std::string(name) + " weights");
    CHECK(b.item() == doctest::Approx(true_b).epsilon(0.05));
  }
}
