#include <cmath>
#include <string>

#include "engine/error.h"
#include "engine/ops.h"
#include "kernels/cpu/softmax.h"
#include "tests/support/device_compare.h"
#include "tests/support/testing.h"

using namespace leuko;
using namespace leuko::testing;

// softmax (or log_softmax) along `dim` of a contiguous tensor by the readable reference
// (kernels/cpu/softmax_reference.cpp).
static Tensor reference_softmax(const Tensor& x, int64_t dim, bool log) {
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < dim; ++d) outer *= x.size(d);
  for (int64_t d = dim + 1; d < x.dim(); ++d) inner *= x.size(d);
  Tensor y = zeros(x.shape());
  const auto forward = log ? cpu::reference::log_softmax_forward : cpu::reference::softmax_forward;
  forward(x.data<float>(), y.data<float>(), outer, x.size(dim), inner);
  return y;
}

TEST_CASE("softmax and log_softmax give the hand-computed values") {
  const Tensor x = from_vector({1.0f, 2.0f, 3.0f}, {3});
  const double total = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  const Tensor expected = from_vector(
      {float(std::exp(1.0) / total), float(std::exp(2.0) / total), float(std::exp(3.0) / total)},
      {3});
  check_close(softmax(x, 0), expected, 1e-6f, 0.0f, "softmax([1, 2, 3])");
  const Tensor expected_log = from_vector(
      {float(1.0 - std::log(total)), float(2.0 - std::log(total)), float(3.0 - std::log(total))},
      {3});
  check_close(log_softmax(x, -1), expected_log, 1e-6f, 0.0f, "log_softmax([1, 2, 3])");
  CHECK(softmax(scalar(5.0f), 0).item() == 1.0f);  // a 0-d tensor counts as [1], as in PyTorch
}

TEST_CASE("softmax and log_softmax match PyTorch along every dim, values and gradients") {
  const SafetensorsFile golden = load_golden("softmax");
  const Tensor x = golden_tensor(golden, "x");
  const Tensor grad_output = golden_tensor(golden, "grad_output");
  for (int64_t dim : {0, 1, 2, -1}) {
    const std::string d = std::to_string(dim < 0 ? dim + 3 : dim);
    for (const bool log : {false, true}) {
      const std::string name = log ? "log_softmax" : "softmax";
      Tensor input = x.clone();
      input.set_requires_grad(true);
      const Tensor y = log ? log_softmax(input, dim) : softmax(input, dim);
      y.backward(grad_output);
      // 1e-5 relative: the same math; sums run in float32 in a different order than torch's.
      check_close(y, golden_tensor(golden, name + "/dim" + d), 1e-5f, 1e-6f,
                  name + " dim " + std::to_string(dim));
      check_close(input.grad(), golden_tensor(golden, name + "_grad/dim" + d), 1e-5f, 1e-6f,
                  name + " gradient dim " + std::to_string(dim));
    }
  }
}

TEST_CASE("softmax and log_softmax gradients match finite differences along dims 0, 1, -1") {
  Generator g(5);
  for (const Shape& shape : {Shape{3, 4, 5}, Shape{2, 1, 7}, Shape{1, 3, 2}}) {
    for (int64_t dim : {0, 1, -1}) {
      CAPTURE(to_string(shape));
      CAPTURE(dim);
      const Tensor x = random_input(shape, g, -3.0f, 3.0f);
      gradcheck([dim](const std::vector<Tensor>& in) { return softmax(in[0], dim); }, {x});
      gradcheck([dim](const std::vector<Tensor>& in) { return log_softmax(in[0], dim); }, {x});
    }
  }
}

TEST_CASE(
    "large inputs along inner and outer dims (chunked, split over threads) match a reference") {
  Generator g(9);
  const Tensor x = uniform({5, 40, 301}, -10.0f, 10.0f, g);  // 301 columns: two chunks + rest
  for (int64_t dim : {0, 1, 2}) {
    CAPTURE(dim);
    check_close(softmax(x, dim), reference_softmax(x, dim, false), 1e-5f, 1e-7f, "softmax");
    check_close(log_softmax(x, dim), reference_softmax(x, dim, true), 1e-5f, 1e-5f, "log_softmax");
  }
  const Tensor sums = sum(softmax(x, 1), {1});
  check_close(sums, ones({5, 301}), 1e-5f, 0.0f, "softmax sums to 1 along dim 1");
}

TEST_CASE("non-contiguous input gives the same result as its dense copy") {
  Generator g(2);
  const Tensor view = uniform({4, 6}, -3.0f, 3.0f, g).transpose(0, 1);
  REQUIRE_FALSE(view.is_contiguous());
  check_close(softmax(view, 1), softmax(view.clone(), 1), 0.0f, 0.0f, "softmax of a view");
}

TEST_CASE("huge logits give finite, exact results (the maximum is subtracted first)") {
  const Tensor x = from_vector({1000.0f, 0.0f, -1000.0f, 1000.0f}, {2, 2});
  CHECK(softmax(x, 1).to_vector() == std::vector<float>{1.0f, 0.0f, 0.0f, 1.0f});
  CHECK(log_softmax(x, 1).to_vector() == std::vector<float>{0.0f, -1000.0f, -2000.0f, 0.0f});
  Tensor input = x.clone();
  input.set_requires_grad(true);
  sum(log_softmax(input, 1) * from_vector({1, 0, 0, 1}, {2, 2})).backward();
  for (float v : input.grad().to_vector()) CHECK(std::isfinite(v));
}

TEST_CASE("softmax rejects a bad dim or dtype with a clear message") {
  const Tensor x = zeros({2, 3, 4});
  CHECK_THROWS_WITH_AS(softmax(x, 3),
                       doctest::Contains("softmax: dim 3 is out of range for shape [2, 3, 4]"),
                       Error);
  CHECK_THROWS_WITH_AS(log_softmax(x, -4), doctest::Contains("log_softmax: dim -4 is out of range"),
                       Error);
  CHECK_THROWS_WITH_AS(softmax(from_vector_i64({1, 2}, {2}), 0),
                       doctest::Contains("softmax: input must be float32, got int64"), Error);
}

// ---- GPU backend (kernels/cuda/softmax.cu) ---------------------------------------------

// Sums along the axis are added in a different order (warp shuffles vs a sequential loop)
// and the CPU's exp is fast_exp.h: values agree to a few ulps, so 1e-5 relative, 1e-6
// absolute for the tiny probabilities.
TEST_CASE("cuda-emu matches the CPU: softmax and log_softmax along every dim, both kernels") {
  leuko::Generator g(31);
  // The last dim runs one warp per row (rows of 1, 37 and 70 > 2 warps' width); the
  // others one thread per column.
  for (const Shape& shape : {Shape{1, 37}, Shape{5, 70}, Shape{2, 3, 4, 5}, Shape{9}}) {
    const Tensor x = random_input(shape, g, -5.0f, 5.0f);
    for (int64_t dim = 0; dim < static_cast<int64_t>(shape.size()); ++dim) {
      const std::string where = to_string(shape) + " dim " + std::to_string(dim);
      leuko::testing::check_device_matches_cpu(
          [&](const std::vector<Tensor>& in) { return softmax(in[0], dim); }, {x},
          "softmax " + where);
      leuko::testing::check_device_matches_cpu(
          [&](const std::vector<Tensor>& in) { return log_softmax(in[0], dim); }, {x},
          "log_softmax " + where);
    }
  }
}

TEST_CASE("cuda-emu: softmax of huge logits stays finite on the device") {
  const Tensor x = from_vector({1000, -1000, 999, 0}, {1, 4}, leuko::testing::gpu_test_device());
  const std::vector<float> p = softmax(x, 1).to_vector();
  CHECK(p[0] == doctest::Approx(1.0 / (1.0 + std::exp(-1.0))));
  CHECK(p[1] == 0.0f);
  CHECK(log_softmax(x, 1).to_vector()[1] == doctest::Approx(-2000.0 - std::log1p(std::exp(-1.0))));
}
