#include <cmath>

#include "engine/init.h"
#include "tests/support/testing.h"

using namespace leuko;

static std::pair<double, double> mean_and_std(const Tensor& t) {
  const std::vector<float> v = t.to_vector();
  double mean = 0.0, sq = 0.0;
  for (float x : v) mean += x;
  mean /= static_cast<double>(v.size());
  for (float x : v) sq += (x - mean) * (x - mean);
  return {mean, std::sqrt(sq / static_cast<double>(v.size()))};
}

static float max_abs(const Tensor& t) {
  float m = 0.0f;
  for (float x : t.to_vector()) m = std::max(m, std::fabs(x));
  return m;
}

TEST_CASE("fan in/out follow PyTorch: weight [out, in, k...]") {
  CHECK(init::fan_in_and_fan_out({64, 3, 7, 7}) == std::pair<int64_t, int64_t>{147, 3136});
  CHECK(init::fan_in_and_fan_out({10, 20}) == std::pair<int64_t, int64_t>{20, 10});
  CHECK_THROWS_AS(init::fan_in_and_fan_out({5}), Error);
  CHECK(init::calculate_gain(init::Nonlinearity::relu) == doctest::Approx(std::sqrt(2.0)));
  CHECK(init::calculate_gain(init::Nonlinearity::leaky_relu, std::sqrt(5.0f)) ==
        doctest::Approx(std::sqrt(1.0 / 3.0)));
  CHECK(init::calculate_gain(init::Nonlinearity::tanh) == doctest::Approx(5.0 / 3.0));
}

TEST_CASE("kaiming and xavier initializers have the bounds and spreads PyTorch defines") {
  Generator g(3);
  Tensor w = empty({256, 128, 3, 3});  // fan_in 1152, fan_out 2304
  init::kaiming_uniform_(w, 0.0f, init::FanMode::fan_in, init::Nonlinearity::relu, g);
  const float kaiming_bound = std::sqrt(2.0f) * std::sqrt(3.0f / 1152.0f);
  CHECK(max_abs(w) <= kaiming_bound);
  CHECK(max_abs(w) > 0.99f * kaiming_bound);
  CHECK(mean_and_std(w).second == doctest::Approx(kaiming_bound / std::sqrt(3.0)).epsilon(0.01));

  init::kaiming_normal_(w, 0.0f, init::FanMode::fan_out, init::Nonlinearity::relu, g);
  CHECK(std::fabs(mean_and_std(w).first) < 0.01);
  CHECK(mean_and_std(w).second == doctest::Approx(std::sqrt(2.0 / 2304.0)).epsilon(0.01));

  init::xavier_uniform_(w, 1.0f, g);
  const float xavier_bound = std::sqrt(6.0f / (1152.0f + 2304.0f));
  CHECK(max_abs(w) <= xavier_bound);
  init::xavier_normal_(w, 2.0f, g);
  CHECK(mean_and_std(w).second == doctest::Approx(2.0 * std::sqrt(2.0 / 3456.0)).epsilon(0.01));

  Tensor bias = empty({256});
  init::pytorch_default_(w, bias, 1152, g);
  CHECK(max_abs(w) <= 1.0f / std::sqrt(1152.0f));
  CHECK(max_abs(bias) <= 1.0f / std::sqrt(1152.0f));
}

TEST_CASE("a generator replays exactly from a saved state") {
  Generator g(42);
  g.normal();  // leave a spare Box-Muller value pending: it must be part of the state
  const std::string state = g.state();
  const std::vector<float> first = randn({100}, g).to_vector();
  g.set_state(state);
  CHECK(randn({100}, g).to_vector() == first);
  Generator a(42), b(42), c(43);
  const std::vector<float> from_a = rand({10}, a).to_vector();
  CHECK(rand({10}, b).to_vector() == from_a);
  CHECK(rand({10}, c).to_vector() != from_a);
  CHECK_THROWS_AS(g.set_state("not a state"), Error);
}

TEST_CASE("uniform and normal samples have the right moments") {
  Generator g(5);
  const auto [u_mean, u_std] = mean_and_std(rand({100000}, g));
  CHECK(u_mean == doctest::Approx(0.5).epsilon(0.01));
  CHECK(u_std == doctest::Approx(1.0 / std::sqrt(12.0)).epsilon(0.01));
  const auto [n_mean, n_std] = mean_and_std(randn({100000}, g));
  CHECK(std::fabs(n_mean) < 0.01);
  CHECK(n_std == doctest::Approx(1.0).epsilon(0.01));
}
