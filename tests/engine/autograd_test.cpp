#include "engine/autograd.h"

#include <limits>

#include "engine/error.h"
#include "engine/ops.h"
#include "tests/support/testing.h"

using namespace leuko;
using namespace leuko::testing;

TEST_CASE("backward of a small expression gives the hand-computed gradients") {
  Tensor a = from_vector({1, 2, 3}, {3});
  Tensor b = from_vector({4, 5, 6}, {3});
  a.set_requires_grad(true);
  b.set_requires_grad(true);
  Tensor loss = sum(a * b + a);  // dL/da = b + 1, dL/db = a
  loss.backward();
  CHECK(a.grad().to_vector() == std::vector<float>{5, 6, 7});
  CHECK(b.grad().to_vector() == std::vector<float>{1, 2, 3});
}

TEST_CASE("gradients accumulate until zero_grad, and a reused tensor sums its paths") {
  Tensor x = from_vector({2}, {1});
  x.set_requires_grad(true);
  sum(x * x).backward();  // 2x = 4
  sum(x * x).backward();
  CHECK(x.grad().item() == 8.0f);
  x.zero_grad();
  CHECK_FALSE(x.grad().defined());
  Tensor y = x * 3.0f;
  sum(y + y * y).backward();  // d/dx (3x + 9x^2) = 3 + 18x = 39
  CHECK(x.grad().item() == doctest::Approx(39.0f));
}

TEST_CASE("no_grad and frozen inputs record nothing") {
  Tensor w = from_vector({1, 2}, {2});
  w.set_requires_grad(true);
  {
    NoGradGuard guard;
    Tensor y = w * 2.0f;
    CHECK_FALSE(y.requires_grad());
    CHECK(y.grad_fn() == nullptr);
  }
  Tensor frozen = from_vector({1, 2}, {2});
  CHECK_FALSE((frozen * 2.0f).requires_grad());
  Tensor mixed = sum(frozen * w);
  mixed.backward();
  CHECK(w.grad().to_vector() == std::vector<float>{1, 2});
  CHECK_FALSE(frozen.grad().defined());
}

TEST_CASE("the graph is freed after backward, so a second backward is a clear error") {
  Tensor x = from_vector({1, 2}, {2});
  x.set_requires_grad(true);
  Tensor loss = sum(x * x);
  loss.backward();
  CHECK(loss.grad_fn()->released());
  CHECK_THROWS_WITH_AS(loss.backward(), doctest::Contains("a second time"), Error);
}

TEST_CASE("backward on a non-scalar needs an explicit gradient") {
  Tensor x = from_vector({1, 2}, {2});
  x.set_requires_grad(true);
  Tensor y = x * 2.0f;
  CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("implicit gradient only for one-element"),
                       Error);
  y.backward(from_vector({1, 10}, {2}));
  CHECK(x.grad().to_vector() == std::vector<float>{2, 20});
  CHECK_THROWS_WITH_AS(from_vector({1}, {1}).backward(), doctest::Contains("does not require grad"),
                       Error);
}

TEST_CASE("a long chain does not overflow the stack (iterative topological sort)") {
  Tensor x = from_vector({1}, {1});
  x.set_requires_grad(true);
  Tensor y = x;
  for (int i = 0; i < 20000; ++i) y = y + 0.0f;
  sum(y).backward();
  CHECK(x.grad().item() == 1.0f);
}

TEST_CASE("gradcheck: views (reshape, permute, slice, contiguous, expand)") {
  Generator g(7);
  Tensor x = random_input({2, 3, 4}, g);
  gradcheck(
      [](const std::vector<Tensor>& in) {
        return in[0].reshape({4, 6}) * in[0].reshape({4, 6});
      },
      {x});
  gradcheck(
      [](const std::vector<Tensor>& in) {
        return in[0].permute({2, 0, 1}).contiguous() * 2.0f;
      },
      {x});
  gradcheck(
      [](const std::vector<Tensor>& in) { return in[0].slice(2, 1, 4, 2) * in[0].slice(2, 0, 2); },
      {x});
  Tensor row = random_input({1, 4}, g);
  gradcheck(
      [](const std::vector<Tensor>& in) {
        return expand(in[0], {3, 4}) * expand(in[0], {3, 4});
      },
      {row});
}

TEST_CASE("gradcheck: broadcasting add, sub, mul, div") {
  Generator g(8);
  for (const auto& [sa, sb] : std::vector<std::pair<Shape, Shape>>{
           {{3, 4}, {3, 4}}, {{2, 3, 4}, {4}}, {{2, 1, 4}, {3, 1}}, {{1}, {2, 5}}}) {
    Tensor a = random_input(sa, g);
    Tensor b = random_input(sb, g, 0.5f, 1.5f);  // away from 0 for div
    gradcheck([](const std::vector<Tensor>& in) { return in[0] + in[1]; }, {a, b});
    gradcheck([](const std::vector<Tensor>& in) { return in[0] - in[1]; }, {a, b});
    gradcheck([](const std::vector<Tensor>& in) { return in[0] * in[1]; }, {a, b});
    gradcheck([](const std::vector<Tensor>& in) { return in[0] / in[1]; }, {a, b});
  }
  CHECK_THROWS_WITH_AS(add(zeros({2, 3}), zeros({4})), doctest::Contains("cannot be broadcast"),
                       Error);
}

TEST_CASE("broadcast forward values") {
  Tensor a = from_vector({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor b = from_vector({10, 20, 30}, {3});
  CHECK((a + b).to_vector() == std::vector<float>{11, 22, 33, 14, 25, 36});
  Tensor c = from_vector({1, 2}, {2, 1});
  CHECK((a * c).to_vector() == std::vector<float>{1, 2, 3, 8, 10, 12});
  CHECK((a.transpose(0, 1) - 1.0f).to_vector() == std::vector<float>{0, 3, 1, 4, 2, 5});
}

TEST_CASE("sum and mean: values and gradients over chosen dims") {
  Tensor x = from_vector({1, 2, 3, 4, 5, 6}, {2, 3});
  CHECK(sum(x).item() == 21.0f);
  CHECK(sum(x, {0}).to_vector() == std::vector<float>{5, 7, 9});
  CHECK(sum(x, {1}, true).shape() == Shape{2, 1});
  CHECK(mean(x, {-1}).to_vector() == std::vector<float>{2, 5});
  CHECK(mean(x).item() == 3.5f);
  Generator g(9);
  Tensor y = random_input({2, 3, 4, 5}, g);
  gradcheck([](const std::vector<Tensor>& in) { return sum(in[0], {0, 2, 3}); }, {y});
  gradcheck([](const std::vector<Tensor>& in) { return mean(in[0], {1}, true); }, {y});
  gradcheck([](const std::vector<Tensor>& in) { return mean(in[0]); }, {y});
}

TEST_CASE("all_finite finds NaN and Inf on the CPU and on a device") {
  const float nan = std::numeric_limits<float>::quiet_NaN(),
              inf = std::numeric_limits<float>::infinity();
  for (const Device device : {Device::cpu, leuko::testing::gpu_test_device()}) {
    INFO(to_string(device));
    CHECK(all_finite(from_vector({1, -2, 3e38f}, {3}).to(device)));
    CHECK_FALSE(all_finite(from_vector({1, nan, 3}, {3}).to(device)));
    CHECK_FALSE(all_finite(from_vector({1, 2, -inf}, {3}).to(device)));
  }
  CHECK(all_finite(Tensor()));
}

TEST_CASE("detect-anomaly names the op whose forward output is first not finite") {
  Tensor x = from_vector({1, 0}, {2});
  x.set_requires_grad(true);
  const Tensor one = ones({2});
  const Tensor inf = div(one, x);  // off: 1/0 = inf passes unnoticed
  Tensor w = ones({2});
  w.set_requires_grad(true);
  DetectAnomalyGuard anomaly(true);
  CHECK(detect_anomaly_enabled());
  CHECK_THROWS_WITH_AS(div(one, x),
                       doctest::Contains("forward output of 'div' (shape [2]) is not finite "
                                         "(its inputs are finite)"),
                       Error);
  // An op that only passes a bad value on says so.
  CHECK_THROWS_WITH_AS(mul(inf.detach(), w),
                       doctest::Contains("'mul' (shape [2]) is not finite (its input 0 "
                                         "is already not finite)"),
                       Error);
}

TEST_CASE("detect-anomaly names the op whose backward first returns a non-finite gradient") {
  // x / y with y = 1e-20: the value 1e20 is finite in float, d/dy = -x / y^2 = -1e40 is not.
  Tensor x = from_vector({1}, {1}), y = from_vector({1e-20f}, {1});
  y.set_requires_grad(true);
  {
    DetectAnomalyGuard anomaly(true);
    CHECK_THROWS_WITH_AS(
        sum(div(x, y)).backward(),
        doctest::Contains("the backward of 'div' returned a gradient for its input 1 that "
                          "is not finite (the gradient it was given is finite)"),
        Error);
  }
  CHECK_FALSE(detect_anomaly_enabled());  // the guard restored the mode
  sum(div(x, y)).backward();              // off: the infinite gradient lands in y.grad
  CHECK_FALSE(all_finite(y.grad()));
}

TEST_CASE("first_non_finite_gradient names the first parameter whose gradient is NaN or Inf") {
  Tensor a = from_vector({1, 2}, {2}), b = from_vector({1e-20f}, {1}), c = from_vector({3}, {1});
  for (Tensor* t : {&a, &b, &c}) t->set_requires_grad(true);
  const std::vector<std::pair<std::string, Tensor>> named = {
      {"a", a}, {"frozen", ones({1})}, {"b", b}, {"c", c}};
  CHECK(first_non_finite_gradient(named) == "");  // no gradients yet
  sum(a * c).backward();
  CHECK(first_non_finite_gradient(named) == "");
  sum(div(c, b)).backward();  // d/db = -c / b^2 = -3e40: Inf in float; d/dc finite
  CHECK(first_non_finite_gradient(named) == "b");

  // The same on cuda-emu, where the gradients are first reduced to one number.
  Tensor d = from_vector({1, 2}, {2}, Device::cuda_emu),
         e = from_vector({1e-20f}, {1}, Device::cuda_emu);
  for (Tensor* t : {&d, &e}) t->set_requires_grad(true);
  const std::vector<std::pair<std::string, Tensor>> on_device = {{"d", d}, {"e", e}};
  sum(d * d).backward();
  CHECK(first_non_finite_gradient(on_device) == "");
  sum(div(full({1}, 1.0f, Device::cuda_emu), e)).backward();  // -1e40: Inf
  CHECK(first_non_finite_gradient(on_device) == "e");
}
