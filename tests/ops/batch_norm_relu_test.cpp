#include <cmath>

#include "engine/autograd.h"
#include "engine/error.h"
#include "engine/ops.h"
#include "tests/ops/batch_norm_inputs.h"
#include "tests/support/testing.h"

using namespace leuko;
using namespace leuko::testing;

// The fixed seeds keep every pre-ReLU value of make_batch_norm_inputs' draws away from the
// kink at 0, where finite differences of a ReLU are meaningless.

// A residual for x such that every pre-ReLU value batch_norm(x) + residual is at least 0.05
// away from 0: finite differences (eps 1e-3) then never straddle the ReLU's kink.
static Tensor residual_away_from_kink(const Tensor& x, const Tensor& weight, const Tensor& bias,
                                      const BatchNormInputs& in, bool training, Generator& g) {
  Tensor residual = random_input(x.shape(), g);
  NoGradGuard no_grad;
  const std::vector<float> pre =
      add(batch_norm(x, weight, bias, in.running_mean.clone(), in.running_var.clone(), training),
          residual)
          .to_vector();
  float* values = residual.data<float>();
  for (size_t i = 0; i < pre.size(); ++i) {
    if (std::fabs(pre[i]) < 0.05f) values[i] += pre[i] < 0.0f ? -0.1f : 0.1f;
  }
  return residual;
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

// batch_norm_relu on `in` (with in.residual when given) against the ops it fuses,
// relu(batch_norm(...) [+ residual]): output, running buffers (each run moves its own copies)
// and every gradient, back-propagating `grad` through both.
static void check_fused_matches_composition(const BatchNormInputs& in, bool training,
                                            const Tensor& grad) {
  const Tensor mean_a = in.running_mean.clone(), var_a = in.running_var.clone();
  const Tensor fused =
      batch_norm_relu(in.x, in.weight, in.bias, mean_a, var_a, training, 0.1f, 1e-5f, in.residual);
  fused.backward(grad);
  std::vector<Tensor> leaves{in.x, in.weight, in.bias};
  if (in.residual.defined()) leaves.push_back(in.residual);
  std::vector<Tensor> fused_grads;
  for (Tensor& leaf : leaves) {
    fused_grads.push_back(leaf.grad());
    leaf.zero_grad();
  }
  const Tensor mean_b = in.running_mean.clone(), var_b = in.running_var.clone();
  Tensor pre = batch_norm(in.x, in.weight, in.bias, mean_b, var_b, training, 0.1f, 1e-5f);
  if (in.residual.defined()) pre = add(pre, in.residual);
  const Tensor composed = relu(pre);
  composed.backward(grad);
  // Same math, same summation order: differences are only FMA contraction (1e-5 relative).
  check_close(fused, composed, 1e-5f, 1e-6f, "output");
  check_close(mean_a, mean_b, 1e-6f, 0.0f, "running_mean");
  check_close(var_a, var_b, 1e-6f, 0.0f, "running_var");
  const char* names[] = {"grad x", "grad weight", "grad bias"};
  for (int i = 0; i < 3; ++i) check_close(fused_grads[i], leaves[i].grad(), 1e-4f, 1e-5f, names[i]);
  // grad_y or 0 by the same mask: exact.
  if (in.residual.defined()) {
    check_close(fused_grads[3], in.residual.grad(), 0.0f, 0.0f, "grad residual");
  }
}

TEST_CASE("forward and gradients equal relu(batch_norm(...)), training and eval") {
  Generator g(21);
  for (const Shape& shape : std::vector<Shape>{{4, 5, 7, 9}, {1, 3, 16, 16}, {6, 8}}) {
    for (const bool training : {true, false}) {
      CAPTURE(to_string(shape));
      CAPTURE(training);
      const BatchNormInputs in = make_batch_norm_inputs(shape, g);
      check_fused_matches_composition(in, training, random_input(shape, g).detach());
    }
  }
}

TEST_CASE("gradcheck: training and eval, 4-D and 2-D, odd sizes, batch 1, affine on and off") {
  Generator g(13);
  for (const Shape& shape : std::vector<Shape>{{2, 3, 4, 5}, {1, 3, 3, 5}, {5, 4}}) {
    CAPTURE(to_string(shape));
    const BatchNormInputs in = make_batch_norm_inputs(shape, g);
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

TEST_CASE(
    "residual: forward, running buffers and every gradient equal "
    "relu(batch_norm(...) + residual), training and eval") {
  Generator g(22);
  for (const Shape& shape : std::vector<Shape>{{4, 5, 7, 9}, {1, 3, 16, 16}, {6, 8}}) {
    for (const bool training : {true, false}) {
      CAPTURE(to_string(shape));
      CAPTURE(training);
      BatchNormInputs in = make_batch_norm_inputs(shape, g);
      in.residual = random_input(shape, g);
      check_fused_matches_composition(in, training, random_input(shape, g).detach());
    }
  }
}

TEST_CASE(
    "residual gradcheck: training and eval, 4-D and 2-D, odd sizes, batch 1, affine on "
    "and off") {
  Generator g(23);
  for (const Shape& shape : std::vector<Shape>{{2, 3, 4, 5}, {1, 3, 3, 5}, {5, 4}, {1, 2, 3, 1}}) {
    for (const bool training : {true, false}) {
      CAPTURE(to_string(shape));
      CAPTURE(training);
      const BatchNormInputs in = make_batch_norm_inputs(shape, g);
      const Tensor residual = residual_away_from_kink(in.x, in.weight, in.bias, in, training, g);
      gradcheck(
          [&](const std::vector<Tensor>& v) {
            return batch_norm_relu(v[0], v[1], v[2], in.running_mean, in.running_var, training,
                                   0.1f, 1e-5f, v[3]);
          },
          {in.x, in.weight, in.bias, residual});
      const Tensor plain_residual =
          residual_away_from_kink(in.x, Tensor(), Tensor(), in, training, g);
      gradcheck(
          [&](const std::vector<Tensor>& v) {  // affine off
            return batch_norm_relu(v[0], Tensor(), Tensor(), in.running_mean, in.running_var,
                                   training, 0.1f, 1e-5f, v[1]);
          },
          {in.x, plain_residual});
    }
  }
}

TEST_CASE("large input: the threaded kernels agree with the composition") {
  Generator g(5);
  const BatchNormInputs in =
      make_batch_norm_inputs({8, 16, 32, 32}, g);  // past the threading threshold
  const Tensor residual = random_input({8, 16, 32, 32}, g).detach();
  NoGradGuard no_grad;
  check_close(batch_norm_relu(in.x, in.weight, in.bias, Tensor(), Tensor(), true),
              relu(batch_norm(in.x, in.weight, in.bias, Tensor(), Tensor(), true)), 1e-5f, 1e-6f,
              "output");
  check_close(
      batch_norm_relu(in.x, in.weight, in.bias, Tensor(), Tensor(), true, 0.1f, 1e-5f, residual),
      relu(add(batch_norm(in.x, in.weight, in.bias, Tensor(), Tensor(), true), residual)), 1e-5f,
      1e-6f, "output with residual");
}

TEST_CASE(
    "GPU device matches the CPU: training and eval, with and without residual, affine "
    "on and off (values, running buffers, every gradient)") {
  Generator g(24);
  // Channel sizes m = N*S below, above and not a multiple of the per-channel block (up to
  // 256 threads) and of the elementwise block (256), batch 1, 2-D input (S = 1).
  for (const Shape& shape :
       std::vector<Shape>{{2, 3, 5, 7}, {1, 4, 3, 3}, {2, 2, 13, 11}, {300, 3}, {37, 5}}) {
    for (const bool training : {true, false}) {
      for (const bool with_residual : {true, false}) {
        for (const bool affine : {true, false}) {
          CAPTURE(to_string(shape));
          CAPTURE(training);
          CAPTURE(with_residual);
          CAPTURE(affine);
          BatchNormInputs cpu = make_batch_norm_inputs(shape, g);
          if (!affine) cpu.weight = cpu.bias = Tensor();
          if (with_residual) cpu.residual = random_input(shape, g);
          testing::check_batch_norm_device_matches_cpu(
              [&](const BatchNormInputs& in) {
                return batch_norm_relu(in.x, in.weight, in.bias, in.running_mean, in.running_var,
                                       training, 0.1f, 1e-5f, in.residual);
              },
              cpu, g);
        }
      }
    }
  }
}

TEST_CASE("cuda-emu gradcheck: the device paths' backward, training and eval, with residual") {
  // On Device::cuda_emu itself, not gpu_test_device(): gradcheck perturbs its inputs through
  // host pointers, and emulated device memory is host memory. The eval path composes the
  // ReLU mask with batch_norm's fixed-statistics backward; training uses bn_relu_backward.
  const Device emu = Device::cuda_emu;
  Generator g(25);
  for (const Shape& shape : std::vector<Shape>{{2, 3, 4, 5}, {5, 4}}) {
    for (const bool training : {true, false}) {
      CAPTURE(to_string(shape));
      CAPTURE(training);
      const BatchNormInputs in = make_batch_norm_inputs(shape, g);
      const Tensor residual = residual_away_from_kink(in.x, in.weight, in.bias, in, training, g);
      const Tensor running_mean = in.running_mean.to(emu), running_var = in.running_var.to(emu);
      gradcheck(
          [&](const std::vector<Tensor>& v) {
            return batch_norm_relu(v[0], v[1], v[2], running_mean, running_var, training, 0.1f,
                                   1e-5f, v[3]);
          },
          {leaf_on(in.x, emu), leaf_on(in.weight, emu), leaf_on(in.bias, emu),
           leaf_on(residual, emu)});
    }
  }
}

TEST_CASE("errors name the op and the shapes") {
  const Tensor x = zeros({2, 3, 4, 4});
  CHECK_THROWS_WITH_AS(
      batch_norm_relu(zeros({2, 3, 4}), Tensor(), Tensor(), Tensor(), Tensor(), true),
      doctest::Contains("batch_norm_relu: input must be 2-D [N, C] or 4-D"), leuko::Error);
  CHECK_THROWS_WITH_AS(batch_norm_relu(x, ones({4}), Tensor(), Tensor(), Tensor(), true),
                       doctest::Contains("weight must have shape [3]"), leuko::Error);
  CHECK_THROWS_WITH_AS(batch_norm_relu(x, Tensor(), Tensor(), zeros({3}), Tensor(), false),
                       doctest::Contains("given together"), leuko::Error);
  CHECK_THROWS_WITH_AS(batch_norm_relu(zeros({1, 3}), Tensor(), Tensor(), Tensor(), Tensor(), true),
                       doctest::Contains("more than 1 value per channel"), leuko::Error);
  CHECK_THROWS_WITH_AS(
      batch_norm_relu(zeros({2, 3}, DType::i64), Tensor(), Tensor(), Tensor(), Tensor(), true),
      doctest::Contains("batch_norm_relu"), leuko::Error);
  CHECK_THROWS_WITH_AS(batch_norm_relu(x, Tensor(), Tensor(), Tensor(), Tensor(), true, 0.1f, 1e-5f,
                                       zeros({2, 3, 4, 5})),
                       doctest::Contains("batch_norm_relu: residual must have the input's shape "
                                         "[2, 3, 4, 4], got [2, 3, 4, 5]"),
                       leuko::Error);
  CHECK_THROWS_WITH_AS(batch_norm_relu(x, Tensor(), Tensor(), Tensor(), Tensor(), true, 0.1f, 1e-5f,
                                       zeros({2, 3, 4, 4}, DType::i64)),
                       doctest::Contains("batch_norm_relu: residual must be float32, got int64"),
                       leuko::Error);
  CHECK_THROWS_WITH_AS(
      batch_norm_relu(x, Tensor(), Tensor(), Tensor(), Tensor(), true, 0.1f, 1e-5f,
                      zeros({2, 3, 4, 4}, DType::f32, Device::cuda_emu)),
      doctest::Contains("batch_norm_relu: tensors on different devices (cuda-emu and cpu)"),
      leuko::Error);
}
