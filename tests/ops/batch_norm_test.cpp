#include <cmath>
#include <string>

#include "engine/error.h"
#include "engine/ops.h"
#include "tests/ops/batch_norm_inputs.h"
#include "tests/support/testing.h"

using namespace leuko;
using namespace leuko::testing;

TEST_CASE("gradcheck: training mode (batch statistics), 4-D and 2-D, affine on and off") {
  Generator g(11);
  for (const Shape& shape :
       std::vector<Shape>{{2, 3, 4, 5}, {1, 3, 3, 5}, {3, 2, 1, 1}, {5, 4}, {2, 3}}) {
    CAPTURE(to_string(shape));
    BatchNormInputs in = make_batch_norm_inputs(shape, g);
    gradcheck(
        [&](const std::vector<Tensor>& v) {
          return batch_norm(v[0], v[1], v[2], in.running_mean, in.running_var, true);
        },
        {in.x, in.weight, in.bias});
    gradcheck(
        [&](const std::vector<Tensor>& v) {  // affine off, no running buffers
          return batch_norm(v[0], Tensor(), Tensor(), Tensor(), Tensor(), true, 0.1f, 1e-3f);
        },
        {in.x});
  }
}

TEST_CASE("gradcheck: eval mode (running statistics), 4-D and 2-D, affine on and off") {
  Generator g(12);
  for (const Shape& shape : std::vector<Shape>{{2, 3, 4, 5}, {1, 3, 3, 5}, {1, 4}, {5, 3}}) {
    CAPTURE(to_string(shape));
    BatchNormInputs in = make_batch_norm_inputs(shape, g);
    gradcheck(
        [&](const std::vector<Tensor>& v) {
          return batch_norm(v[0], v[1], v[2], in.running_mean, in.running_var, false);
        },
        {in.x, in.weight, in.bias});
    gradcheck(
        [&](const std::vector<Tensor>& v) {
          return batch_norm(v[0], Tensor(), Tensor(), in.running_mean, in.running_var, false);
        },
        {in.x});
  }
}

TEST_CASE("hand-computed values: 4 values in one channel, and the running-buffer update") {
  Tensor x = from_vector({1, 2, 3, 4}, {4, 1});
  Tensor running_mean = zeros({1}), running_var = ones({1});
  Tensor y = batch_norm(x, Tensor(), Tensor(), running_mean, running_var, true, 0.1f, 1e-5f);
  // mean 2.5, biased variance 1.25 (normalizes), unbiased 5/3 (goes into running_var).
  const float inv_std = 1.0f / std::sqrt(1.25f + 1e-5f);
  check_close(
      y, from_vector({-1.5f * inv_std, -0.5f * inv_std, 0.5f * inv_std, 1.5f * inv_std}, {4, 1}),
      1e-6f, 1e-7f, "y");
  CHECK(running_mean.item() == doctest::Approx(0.25f).epsilon(1e-6));
  CHECK(running_var.item() == doctest::Approx(0.9f + 0.1f * 5.0f / 3.0f).epsilon(1e-6));

  // Eval mode uses the buffers and leaves them alone; affine applies on top.
  Tensor weight = from_vector({2}, {1}), bias = from_vector({-1}, {1});
  Tensor z = batch_norm(x, weight, bias, running_mean, running_var, false, 0.1f, 0.0f);
  const float rm = running_mean.item(), rv = running_var.item();
  check_close(z,
              from_vector({(1 - rm) / std::sqrt(rv) * 2 - 1, (2 - rm) / std::sqrt(rv) * 2 - 1,
                           (3 - rm) / std::sqrt(rv) * 2 - 1, (4 - rm) / std::sqrt(rv) * 2 - 1},
                          {4, 1}),
              1e-6f, 1e-6f, "eval y");
  CHECK(running_mean.item() == rm);
  CHECK(running_var.item() == rv);
}

TEST_CASE("golden: forward, gradients and running buffers match PyTorch") {
  const SafetensorsFile file = testing::load_golden("batch_norm");
  struct Case {
    const char* name;
    bool affine, training;
    float momentum, eps;
  };
  for (const Case& c :
       {Case{"train4d", true, true, 0.1f, 1e-5f}, Case{"eval4d", true, false, 0.1f, 1e-5f},
        Case{"train2d", true, true, 0.1f, 1e-5f}, Case{"eval2d", true, false, 0.1f, 1e-5f},
        Case{"train4d_plain", false, true, 0.3f, 1e-3f}}) {
    CAPTURE(c.name);
    const std::string prefix = std::string(c.name) + ".";
    auto golden = [&](const char* key) { return golden_tensor(file, prefix + key); };
    Tensor x = golden("x").clone();
    x.set_requires_grad(true);
    Tensor weight, bias;
    if (c.affine) {
      weight = golden("weight").clone().set_requires_grad(true);
      bias = golden("bias").clone().set_requires_grad(true);
    }
    Tensor running_mean = golden("running_mean").clone(),
           running_var = golden("running_var").clone();
    Tensor y =
        batch_norm(x, weight, bias, running_mean, running_var, c.training, c.momentum, c.eps);
    y.backward(golden("grad_y"));
    // Outputs are O(1) and near 0 in places: relative 1e-5 plus a small absolute floor.
    check_close(y, golden("y"), 1e-5f, 1e-5f, prefix + "y");
    // Gradients are sums over a channel in another order than PyTorch's: looser.
    check_close(x.grad(), golden("grad_x"), 1e-4f, 1e-5f, prefix + "grad_x");
    if (c.affine) {
      check_close(weight.grad(), golden("grad_weight"), 1e-4f, 1e-5f, prefix + "grad_weight");
      check_close(bias.grad(), golden("grad_bias"), 1e-4f, 1e-5f, prefix + "grad_bias");
    }
    check_close(running_mean, golden("running_mean_after"), 1e-5f, 1e-6f, prefix + "running_mean");
    check_close(running_var, golden("running_var_after"), 1e-5f, 1e-6f, prefix + "running_var");
  }
}

TEST_CASE("a non-contiguous input gives the same result as its contiguous copy") {
  Generator g(13);
  Tensor base = uniform({3, 4, 5, 2}, -1.0f, 1.0f, g);
  Tensor x = base.transpose(1, 3);  // [3, 2, 5, 4], strided
  REQUIRE_FALSE(x.is_contiguous());
  check_close(batch_norm(x, Tensor(), Tensor(), Tensor(), Tensor(), true),
              batch_norm(x.contiguous(), Tensor(), Tensor(), Tensor(), Tensor(), true), 0.0f, 0.0f,
              "strided vs contiguous");
}

TEST_CASE("bad input is a clear error") {
  Tensor x = zeros({2, 3, 4, 4});
  CHECK_THROWS_WITH_AS(
      batch_norm(zeros({2, 3, 4}), Tensor(), Tensor(), Tensor(), Tensor(), true),
      doctest::Contains("must be 2-D [N, C] or 4-D [N, C, H, W], got shape [2, 3, 4]"), Error);
  CHECK_THROWS_WITH_AS(
      batch_norm(x, ones({4}), Tensor(), Tensor(), Tensor(), true),
      doctest::Contains("weight must have shape [3] (one value per channel of input "
                        "[2, 3, 4, 4]), got [4]"),
      Error);
  CHECK_THROWS_WITH_AS(batch_norm(x, Tensor(), zeros({3, 1}), Tensor(), Tensor(), true),
                       doctest::Contains("bias must have shape [3]"), Error);
  CHECK_THROWS_WITH_AS(batch_norm(x, Tensor(), Tensor(), zeros({2}), ones({2}), false),
                       doctest::Contains("running_mean must have shape [3]"), Error);
  CHECK_THROWS_WITH_AS(batch_norm(x, Tensor(), Tensor(), zeros({3}), ones({5}), false),
                       doctest::Contains("running_var must have shape [3]"), Error);
  CHECK_THROWS_WITH_AS(batch_norm(x, Tensor(), Tensor(), zeros({3}), Tensor(), false),
                       doctest::Contains("given together"), Error);
  CHECK_THROWS_WITH_AS(
      batch_norm(zeros({2, 3}, DType::i64), Tensor(), Tensor(), Tensor(), Tensor(), true),
      doctest::Contains("batch_norm: input must be float32"), Error);
  CHECK_THROWS_WITH_AS(
      batch_norm(zeros({1, 5}), Tensor(), Tensor(), zeros({5}), ones({5}), true),
      doctest::Contains("expected more than 1 value per channel when training, got "
                        "input [1, 5]"),
      Error);
  // One sample is fine in eval mode, and with H*W > 1 in training mode.
  CHECK(batch_norm(zeros({1, 5}), Tensor(), Tensor(), zeros({5}), ones({5}), false).shape() ==
        Shape{1, 5});
  CHECK(batch_norm(zeros({1, 2, 2, 1}), Tensor(), Tensor(), Tensor(), Tensor(), true).shape() ==
        Shape{1, 2, 2, 1});
}

TEST_CASE("GPU device matches the CPU: forward, gradients and running buffers") {
  Generator g(14);
  // Channel sizes m = N*S below, above and not a multiple of the block (up to 256 threads),
  // batch 1, 2-D input with S = 1, and a mean far from 0 (the kernel's shifted sums).
  struct Case {
    Shape shape;
    float offset;
  };
  for (const Case& c : {Case{{2, 3, 5, 7}, 0.0f}, Case{{1, 4, 3, 3}, 0.0f},
                        Case{{2, 2, 13, 11}, 20.0f}, Case{{300, 3}, 0.0f}, Case{{33, 5}, -8.0f}}) {
    for (const bool training : {true, false}) {
      for (const bool affine : {true, false}) {
        CAPTURE(to_string(c.shape));
        CAPTURE(training);
        CAPTURE(affine);
        BatchNormInputs cpu = make_batch_norm_inputs(c.shape, g);
        cpu.x = random_input(c.shape, g, c.offset - 1.0f, c.offset + 2.0f);
        if (!affine) cpu.weight = cpu.bias = Tensor();
        testing::check_batch_norm_device_matches_cpu(
            [&](const BatchNormInputs& in) {
              return batch_norm(in.x, in.weight, in.bias, in.running_mean, in.running_var, training,
                                0.1f, 1e-5f);
            },
            cpu, g);
      }
    }
  }
}

TEST_CASE("GPU device: a strided input, and tensors on different devices are a clear error") {
  const Device device = testing::gpu_test_device();
  Generator g(15);
  Tensor base = uniform({3, 4, 5, 2}, -1.0f, 1.0f, g);
  Tensor x = base.to(device).transpose(1, 3);  // [3, 2, 5, 4], strided
  REQUIRE_FALSE(x.is_contiguous());
  check_close(batch_norm(x, Tensor(), Tensor(), Tensor(), Tensor(), true),
              batch_norm(base.transpose(1, 3), Tensor(), Tensor(), Tensor(), Tensor(), true), 1e-5f,
              1e-5f, "strided on the device vs the CPU");
  const std::string mismatch =
      std::string("batch_norm: tensors on different devices (cpu and ") + to_string(device) + ")";
  CHECK_THROWS_WITH_AS(batch_norm(zeros({2, 3, 4, 4}, DType::f32, device), ones({3}), Tensor(),
                                  Tensor(), Tensor(), true),
                       doctest::Contains(mismatch.c_str()), Error);
}
