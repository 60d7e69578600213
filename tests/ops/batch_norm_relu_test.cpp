#include "engine/autograd.h"
#include "engine/error.h"
#include "engine/ops.h"
#include "tests/support/testing.h"

using namespace leuko;
using leuko::testing::check_close;
using leuko::testing::gradcheck;
using leuko::testing::random_input;

// x with an offset mean, weight away from 0, running buffers with a positive variance. The
// fixed seeds keep every pre-ReLU value away from the kink at 0, where finite differences
// of a ReLU are meaningless.
struct Inputs {
  Tensor x, weight, bias, running_mean, running_var;
};

static Inputs make_inputs(const Shape& shape, Generator& g) {
  const int64_t channels = shape[1];
  return {random_input(shape, g, -1.0f, 2.0f), random_input({channels}, g, 0.5f, 1.5f),
          random_input({channels}, g), uniform({channels}, -0.5f, 0.5f, g),
          uniform({channels}, 0.5f, 1.5f, g)};
}

TEST_CASE("forward: hand-computed values, training and eval") {
  // One channel, values 0, 1, 2, 3: mean 1.5, biased variance 1.25.
  const Tensor x = from_vector({0, 1, 2, 3}, {2, 1, 1, 2});
  const Tensor weight = from_vector({2}, {1}), bias = from_vector({0.5f}, {1});
  const Tensor running_mean = zeros({1}), running_var = ones({1});
  const float istd = 1.0f / std::sqrt(1.25f);
  const Tensor y = batch_norm_relu(x, weight, bias, running_mean, running_var, true, 0.1f, 0.0f);
  const float expected[4] = {0.0f, std::max(0.0f, -1.0f * istd + 0.5f), 1.0f * istd + 0.5f,
                             3.0f * istd + 0.5f};
  const std::vector<float> values = y.to_vector();
  for (int i = 0; i < 4; ++i) CHECK(values[i] == doctest::Approx(expected[i]).epsilon(1e-6));
  // Running buffers move as batch_norm's do: mean 0.1 * 1.5, var 0.9 + 0.1 * 1.25 * 4/3.
  CHECK(running_mean.item() == doctest::Approx(0.15f).epsilon(1e-6));
  CHECK(running_var.item() == doctest::Approx(0.9f + 0.1f * 1.25f * 4.0f / 3.0f).epsilon(1e-6));

  // Eval: (x - 0.15) / sqrt(var + eps) * 2 + 0.5, rectified.
  const Tensor z = batch_norm_relu(x, weight, bias, running_mean, running_var, false, 0.1f, 0.0f);
  const float s = 2.0f / std::sqrt(running_var.item());
  const std::vector<float> eval_values = z.to_vector();
  for (int i = 0; i < 4; ++i) {
    CHECK(eval_values[i] == doctest::Approx(std::max(0.0f, (i - 0.15f) * s + 0.5f)).epsilon(1e-6));
  }
}

TEST_CASE("forward and gradients equal relu(batch_norm(...)), training and eval") {
  Generator g(21);
  for (const Shape& shape : std::vector<Shape>{{4, 5, 7, 9}, {1, 3, 16, 16}, {6, 8}}) {
    for (const bool training : {true, false}) {
      CAPTURE(to_string(shape));
      CAPTURE(training);
      const Inputs in = make_inputs(shape, g);
      const Tensor grad = random_input(shape, g).detach();
      const Tensor mean_a = in.running_mean.clone(), var_a = in.running_var.clone();
      const Tensor fused = batch_norm_relu(in.x, in.weight, in.bias, mean_a, var_a, training);
      fused.backward(grad);
      const Tensor fused_grads[3] = {in.x.grad(), in.weight.grad(), in.bias.grad()};
      Tensor x = in.x, weight = in.weight, bias = in.bias;
      x.zero_grad();
      weight.zero_grad();
      bias.zero_grad();
      const Tensor mean_b = in.running_mean.clone(), var_b = in.running_var.clone();
      const Tensor composed = relu(batch_norm(in.x, in.weight, in.bias, mean_b, var_b, training));
      composed.backward(grad);
      // Same math, same summation order: differences are only FMA contraction (1e-5 relative).
      check_close(fused, composed, 1e-5f, 1e-6f, "output");
      check_close(mean_a, mean_b, 1e-6f, 0.0f, "running_mean");
      check_close(var_a, var_b, 1e-6f, 0.0f, "running_var");
      check_close(fused_grads[0], in.x.grad(), 1e-4f, 1e-5f, "grad x");
      check_close(fused_grads[1], in.weight.grad(), 1e-4f, 1e-5f, "grad weight");
      check_close(fused_grads[2], in.bias.grad(), 1e-4f, 1e-5f, "grad bias");
    }
  }
}

TEST_CASE("gradcheck: training and eval, 4-D and 2-D, odd sizes, batch 1, affine on and off") {
  Generator g(13);
  for (const Shape& shape : std::vector<Shape>{{2, 3, 4, 5}, {1, 3, 3, 5}, {5, 4}}) {
    CAPTURE(to_string(shape));
    const Inputs in = make_inputs(shape, g);
    gradcheck(
        [&](const std::vector<Tensor>& v) {
          return batch_norm_relu(v[0], v[1], v[2], in.running_mean, in.running_var, true);
        },
        {in.x, in.weight, in.bias});
    gradcheck(
        [&](const std::vector<Tensor>& v) {
          return batch_norm_relu(v[0], v[1], v[2], in.running_mean, in.running_var, false);
        },
        {in.x, in.weight, in.bias});
    gradcheck(
        [&](const std::vector<Tensor>& v) {  // affine off, no running buffers
          return batch_norm_relu(v[0], Tensor(), Tensor(), Tensor(), Tensor(), true);
        },
        {in.x});
  }
}

TEST_CASE("large input: the threaded kernels agree with the composition") {
  Generator g(5);
  const Inputs in = make_inputs({8, 16, 32, 32}, g);  // past the threading threshold
  NoGradGuard no_grad;
  check_close(batch_norm_relu(in.x, in.weight, in.bias, Tensor(), Tensor(), true),
              relu(batch_norm(in.x, in.weight, in.bias, Tensor(), Tensor(), true)), 1e-5f, 1e-6f,
              "output");
}

TEST_CASE("errors name the op and the shapes") {
  const Tensor x = zeros({2, 3, 4, 4});
  CHECK_THROWS_WITH_AS(batch_norm_relu(zeros({2, 3, 4}), Tensor(), Tensor(), Tensor(), Tensor(), true),
                       doctest::Contains("batch_norm_relu: input must be 2-D [N, C] or 4-D"),
                       leuko::Error);
  CHECK_THROWS_WITH_AS(batch_norm_relu(x, ones({4}), Tensor(), Tensor(), Tensor(), true),
                       doctest::Contains("weight must have shape [3]"), leuko::Error);
  CHECK_THROWS_WITH_AS(batch_norm_relu(x, Tensor(), Tensor(), zeros({3}), Tensor(), false),
                       doctest::Contains("given together"), leuko::Error);
  CHECK_THROWS_WITH_AS(batch_norm_relu(zeros({1, 3}), Tensor(), Tensor(), Tensor(), Tensor(), true),
                       doctest::Contains("more than 1 value per channel"), leuko::Error);
  CHECK_THROWS_WITH_AS(
      batch_norm_relu(zeros({2, 3}, DType::i64), Tensor(), Tensor(), Tensor(), Tensor(), true),
      doctest::Contains("batch_norm_relu"), leuko::Error);
}
