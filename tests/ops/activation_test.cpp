#include <cmath>
#include <functional>
#include <string>

#include "engine/error.h"
#include "engine/ops.h"
#include "tests/support/device_compare.h"
#include "tests/support/testing.h"

using namespace leuko;
using namespace leuko::testing;

using Activation = std::function<Tensor(const Tensor&)>;

// Moves every value with |x| < 0.05 to 0.1 or -0.1, so finite differences with eps 1e-3
// never straddle relu's or leaky_relu's kink at 0.
static Tensor away_from_zero(Tensor x) {
  float* v = x.data<float>();
  for (int64_t i = 0; i < x.numel(); ++i) {
    if (std::fabs(v[i]) < 0.05f) v[i] = v[i] < 0.0f ? -0.1f : 0.1f;
  }
  return x;
}

TEST_CASE("activations give the hand-computed values") {
  const Tensor x = from_vector({-2.0f, -0.5f, 0.0f, 1.5f}, {4});
  CHECK(relu(x).to_vector() == std::vector<float>{0.0f, 0.0f, 0.0f, 1.5f});
  CHECK(leaky_relu(x, 0.1f).to_vector() == std::vector<float>{-0.2f, -0.05f, 0.0f, 1.5f});
  const Tensor elu_expected =
      from_vector({2.0f * std::expm1(-2.0f), 2.0f * std::expm1(-0.5f), 0.0f, 1.5f}, {4});
  check_close(elu(x, 2.0f), elu_expected, 1e-6f, 1e-7f, "elu(alpha 2)");
  const Tensor sigmoid_expected = from_vector(
      {1 / (1 + std::exp(2.0f)), 1 / (1 + std::exp(0.5f)), 0.5f, 1 / (1 + std::exp(-1.5f))}, {4});
  check_close(sigmoid(x), sigmoid_expected, 1e-6f, 1e-7f, "sigmoid");
  const Tensor tanh_expected =
      from_vector({std::tanh(-2.0f), std::tanh(-0.5f), 0.0f, std::tanh(1.5f)}, {4});
  check_close(leuko::tanh(x), tanh_expected, 1e-6f, 1e-7f, "tanh");
}

TEST_CASE("activations match PyTorch's golden values, saturated and near-zero inputs included") {
  const SafetensorsFile golden = load_golden("activation");
  const std::vector<std::pair<std::string, Activation>> cases = {
      {"relu", [](const Tensor& t) { return relu(t); }},
      {"leaky_relu_0.1", [](const Tensor& t) { return leaky_relu(t, 0.1f); }},
      {"elu_1", [](const Tensor& t) { return elu(t, 1.0f); }},
      {"elu_0.5", [](const Tensor& t) { return elu(t, 0.5f); }},
      {"sigmoid", [](const Tensor& t) { return sigmoid(t); }},
      {"tanh", [](const Tensor& t) { return leuko::tanh(t); }},
  };
  for (const std::string input : {"x", "x_extreme"}) {
    const Tensor x = golden_tensor(golden, input);
    for (const auto& [name, f] : cases) {
      // 1e-5 relative: the same formulas; the vectorized exp is within ~1e-7 relative. The
      // 1e-7 absolute part covers sigmoid(-100): 0 here (exp(100) overflows), 4e-44 in float64.
      check_close(f(x), golden_tensor(golden, input + "/" + name), 1e-5f, 1e-7f,
                  input + "/" + name);
    }
  }
}

TEST_CASE("activation gradients match finite differences") {
  Generator g(7);
  const std::vector<std::pair<std::string, Activation>> cases = {
      {"relu", [](const Tensor& t) { return relu(t); }},
      {"leaky_relu", [](const Tensor& t) { return leaky_relu(t, 0.2f); }},
      {"elu", [](const Tensor& t) { return elu(t, 1.0f); }},
      {"elu alpha 0.5", [](const Tensor& t) { return elu(t, 0.5f); }},
      {"sigmoid", [](const Tensor& t) { return sigmoid(t); }},
      {"tanh", [](const Tensor& t) { return leuko::tanh(t); }},
  };
  for (const Shape& shape : {Shape{7}, Shape{2, 3, 5}, Shape{1, 4, 3, 3}}) {
    for (const auto& [name, f] : cases) {
      CAPTURE(name);
      CAPTURE(to_string(shape));
      const Tensor x = away_from_zero(random_input(shape, g, -3.0f, 3.0f));
      gradcheck([&f](const std::vector<Tensor>& in) { return f(in[0]); }, {x});
    }
  }
}

TEST_CASE("backward uses the saved output: relu passes the gradient only where x > 0") {
  Tensor x = from_vector({-1.0f, 0.0f, 2.0f}, {3});
  x.set_requires_grad(true);
  relu(x).backward(from_vector({5.0f, 6.0f, 7.0f}, {3}));
  CHECK(x.grad().to_vector() == std::vector<float>{0.0f, 0.0f, 7.0f});  // 0 at the kink, as PyTorch
  Tensor z = from_vector({-1.0f, 2.0f}, {2});
  z.set_requires_grad(true);
  leaky_relu(z, 0.25f).backward(from_vector({4.0f, 4.0f}, {2}));
  CHECK(z.grad().to_vector() == std::vector<float>{1.0f, 4.0f});
}

TEST_CASE("non-contiguous inputs give the same values and gradients as their dense copies") {
  Generator g(11);
  const Tensor base = random_input({4, 6}, g, -2.0f, 2.0f);
  const Tensor view = base.transpose(0, 1);  // [6, 4], strided
  REQUIRE_FALSE(view.is_contiguous());
  check_close(elu(view, 1.0f), elu(view.clone(), 1.0f), 0.0f, 0.0f, "elu of a transposed view");
  check_close(sigmoid(view), sigmoid(view.clone()), 0.0f, 0.0f, "sigmoid of a transposed view");
  sum(sigmoid(view)).backward();
  const Tensor y = sigmoid(base.detach());
  check_close(base.grad(), y * (-y + 1.0f), 1e-6f, 1e-7f, "sigmoid gradient through view");
}

TEST_CASE("large tensors (split over threads) agree with a scalar reference") {
  Generator g(3);
  const int64_t n = 100003;  // above the parallel threshold, and odd
  const Tensor x = uniform({n}, -20.0f, 20.0f, g);
  const std::vector<float> xs = x.to_vector();
  std::vector<float> e(n), s(n), t(n);
  for (int64_t i = 0; i < n; ++i) {
    e[i] = xs[i] > 0 ? xs[i] : std::expm1(xs[i]);
    s[i] = 1.0f / (1.0f + std::exp(-xs[i]));
    t[i] = std::tanh(xs[i]);
  }
  // 1e-6 relative: the vectorized exp against glibc's, both within an ulp or two of exact.
  check_close(elu(x), from_vector(e, {n}), 1e-6f, 1e-7f, "elu");
  check_close(sigmoid(x), from_vector(s, {n}), 1e-6f, 1e-7f, "sigmoid");
  check_close(leuko::tanh(x), from_vector(t, {n}), 1e-6f, 1e-7f, "tanh");
}

TEST_CASE("extreme inputs stay finite and saturate cleanly") {
  const Tensor x = from_vector({-1e30f, -1000.0f, 1000.0f, 1e30f}, {4});
  CHECK(sigmoid(x).to_vector()[3] == 1.0f);
  CHECK(sigmoid(x).to_vector()[0] == 0.0f);
  CHECK(leuko::tanh(x).to_vector() == std::vector<float>{-1.0f, -1.0f, 1.0f, 1.0f});
  CHECK(elu(x).to_vector() == std::vector<float>{-1.0f, -1.0f, 1000.0f, 1e30f});
  Tensor nan = from_vector({NAN}, {1});
  CHECK(std::isnan(relu(nan).item()));  // NaN propagates, so a NaN loss check can see it
  CHECK(std::isnan(sigmoid(nan).item()));
}

TEST_CASE("activations reject non-float input with the op's name") {
  const Tensor labels = from_vector_i64({1, 2}, {2});
  CHECK_THROWS_WITH_AS(relu(labels), doctest::Contains("relu: input must be float32, got int64"),
                       Error);
  CHECK_THROWS_WITH_AS(elu(labels), doctest::Contains("elu: input must be float32"), Error);
  // Backward reads the sign of x from the output, which only a non-negative alpha keeps.
  CHECK_THROWS_WITH_AS(elu(from_vector({1.0f}, {1}), -0.5f),
                       doctest::Contains("elu: alpha must be >= 0, got -0.5"), Error);
  CHECK_THROWS_WITH_AS(sigmoid(Tensor()), doctest::Contains("sigmoid: input is undefined"), Error);
}

// ---- GPU backend (kernels/cuda/activation.cu) on gpu_test_device() ----------------------
// (the SIMT emulator; the GPU with LEUKO_TEST_GPU=1)

// The CPU's exp is fast_exp.h (a few ulps), the GPU's expf/expm1f/tanhf are libm's (exact
// under the emulator, ~2 ulps on a GPU): relu and leaky_relu agree exactly, the others to
// a few ulps, so 1e-5 relative and 1e-6 absolute (values near 0) for all.
TEST_CASE("cuda-emu matches the CPU: every activation, forward and backward") {
  leuko::Generator g(21);
  const std::vector<std::pair<std::string, Activation>> activations = {
      {"relu", [](const Tensor& x) { return relu(x); }},
      {"leaky_relu", [](const Tensor& x) { return leaky_relu(x, 0.1f); }},
      {"elu", [](const Tensor& x) { return elu(x, 0.7f); }},
      {"sigmoid", [](const Tensor& x) { return sigmoid(x); }},
      {"tanh", [](const Tensor& x) { return tanh(x); }},
  };
  for (const Shape& shape : {Shape{1}, Shape{257}, Shape{3, 5, 7, 2}}) {
    const Tensor x = away_from_zero(random_input(shape, g, -4.0f, 4.0f));
    for (const auto& [name, f] : activations) {
      leuko::testing::check_device_matches_cpu(
          [&](const std::vector<Tensor>& in) { return f(in[0]); }, {x},
          name + " " + to_string(shape));
      // A strided view goes through the dense copy on the device first.
      leuko::testing::check_device_matches_cpu(
          [&](const std::vector<Tensor>& in) { return f(in[0].transpose(0, -1)); }, {x},
          name + " of a transposed view " + to_string(shape));
    }
  }
}
