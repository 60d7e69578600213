#include <cmath>

#include "engine/error.h"
#include "engine/ops.h"
#include "tests/support/device_compare.h"
#include "tests/support/testing.h"

using namespace leuko;
using namespace leuko::testing;

TEST_CASE("mse_loss gives the hand-computed mean and gradients") {
  Tensor p = from_vector({1.0f, 2.0f, 3.0f}, {3});
  Tensor t = from_vector({1.0f, 0.0f, 0.0f}, {3});
  p.set_requires_grad(true);
  t.set_requires_grad(true);
  const Tensor loss = mse_loss(p, t);
  CHECK(loss.dim() == 0);
  CHECK(loss.item() == doctest::Approx(13.0f / 3.0f));  // (0 + 4 + 9) / 3
  loss.backward();
  const Tensor expected = from_vector({0.0f, 4.0f / 3.0f, 2.0f}, {3});  // 2 (p - t) / 3
  check_close(p.grad(), expected, 1e-6f, 0.0f, "grad prediction");
  check_close(t.grad(), -expected, 1e-6f, 0.0f, "grad target");
}

TEST_CASE("mse_loss gradient matches finite differences for both inputs") {
  Generator g(8);
  for (const Shape& shape : {Shape{5}, Shape{2, 3, 4}, Shape{1, 3, 5, 5}}) {
    CAPTURE(to_string(shape));
    const Tensor p = random_input(shape, g), t = random_input(shape, g);
    gradcheck([](const std::vector<Tensor>& in) { return mse_loss(in[0], in[1]); }, {p, t});
  }
}

TEST_CASE("a target that needs no gradient gets none") {
  Tensor p = from_vector({1.0f, 2.0f}, {1, 2});
  p.set_requires_grad(true);
  const Tensor t = zeros({1, 2});
  mse_loss(p, t).backward();
  CHECK(p.grad().to_vector() == std::vector<float>{1.0f, 2.0f});
  CHECK_FALSE(t.grad().defined());
}

TEST_CASE("a large image batch (split over threads) matches a double-precision reference") {
  Generator g(12);
  const Tensor p = uniform({4, 3, 97, 101}, 0.0f, 1.0f, g),
               t = uniform({4, 3, 97, 101}, 0.0f, 1.0f, g);
  const std::vector<float> pv = p.to_vector(), tv = t.to_vector();
  double total = 0.0;
  for (size_t i = 0; i < pv.size(); ++i) total += (double(pv[i]) - tv[i]) * (double(pv[i]) - tv[i]);
  CHECK(mse_loss(p, t).item() == doctest::Approx(total / pv.size()).epsilon(1e-6));
  // A strided view of the same values gives the same loss.
  CHECK(mse_loss(p.transpose(2, 3), t.transpose(2, 3)).item() ==
        doctest::Approx(total / pv.size()).epsilon(1e-6));
}

TEST_CASE("mse_loss rejects mismatched shapes naming both, and non-float input") {
  CHECK_THROWS_WITH_AS(
      mse_loss(zeros({2, 3}), zeros({3, 2})),
      doctest::Contains("mse_loss: prediction shape [2, 3] and target shape [3, 2] must be equal"),
      Error);
  CHECK_THROWS_WITH_AS(mse_loss(zeros({2}), from_vector_i64({1, 2}, {2})),
                       doctest::Contains("mse_loss: target must be float32, got int64"), Error);
  CHECK_THROWS_WITH_AS(mse_loss(zeros({0, 3}), zeros({0, 3})),
                       doctest::Contains("mse_loss: inputs are empty"), Error);
}

// ---- GPU backend (kernels/cuda/mse.cu) -------------------------------------------------

// The GPU sums in float in tree order, the CPU sequentially in double: the loss agrees to
// float rounding of the partial sums (1e-5 relative). The gradient is the same formula,
// elementwise: 1e-5 relative.
TEST_CASE("cuda-emu matches the CPU: mse_loss and both gradients") {
  leuko::Generator g(41);
  // 1 element; a block's worth plus a tail; several blocks of partial sums.
  for (const Shape& shape : {Shape{1}, Shape{2, 3, 43}, Shape{3, 1, 37, 41}}) {
    const Tensor p = random_input(shape, g), t = random_input(shape, g);
    leuko::testing::check_device_matches_cpu(
        [](const std::vector<Tensor>& in) { return mse_loss(in[0], in[1]); }, {p, t},
        "mse_loss " + to_string(shape));
  }
  const Tensor p = random_input({4, 6}, g);
  const Tensor frozen = uniform({6, 4}, -1.0f, 1.0f, g);  // needs no gradient
  leuko::testing::check_device_matches_cpu(
      [](const std::vector<Tensor>& in) { return mse_loss(in[0], in[1].transpose(0, 1)); },
      {p, frozen}, "mse_loss against a transposed, frozen target");
}

TEST_CASE("mse_loss refuses tensors on different devices") {
  const Tensor p = ones({3}), t = ones({3}, leuko::testing::gpu_test_device());
  CHECK_THROWS_WITH_AS(mse_loss(p, t), doctest::Contains("mse_loss: tensors on different devices"),
                       Error);
}
