// conv_batch_norm_relu: gradient checks and the composition it fuses on the CPU; the CUDA
// path (statistics gathered in the conv epilogue in training, batch norm folded into the
// weights in eval) against the CPU on gpu_test_device(), outputs, running buffers and every
// gradient; the statistics epilogue and the one-pass inference fold on their own; bad
// arguments.
#include <cmath>

#include "engine/autograd.h"
#include "engine/device_kernels.h"
#include "engine/error.h"
#include "engine/ops.h"
#include "kernels/cuda/conv_batch_norm_relu.h"
#include "tests/support/testing.h"

using namespace leuko;
using namespace leuko::testing;

// One convolution + batch norm layer: its input and parameters on the CPU, leaves that
// require grad (bias and residual optional), and running buffers with a positive variance.
struct FusedLayer {
  Tensor x, conv_weight, conv_bias, bn_weight, bn_bias, running_mean, running_var, residual;
  Size2 stride = 1, padding = 0;
};

struct LayerShape {
  Shape x;
  int64_t out_channels, kernel;
  Size2 stride, padding;
  bool conv_bias, residual;
};

static Shape output_shape(const LayerShape& s) {
  const int64_t out_h = (s.x[2] + 2 * s.padding.h - s.kernel) / s.stride.h + 1;
  const int64_t out_w = (s.x[3] + 2 * s.padding.w - s.kernel) / s.stride.w + 1;
  return {s.x[0], s.out_channels, out_h, out_w};
}

static FusedLayer make_layer(const LayerShape& s, Generator& g) {
  const int64_t O = s.out_channels;
  FusedLayer layer;
  layer.x = random_input(s.x, g);
  layer.conv_weight = random_input({O, s.x[1], s.kernel, s.kernel}, g, -0.5f, 0.5f);
  if (s.conv_bias) layer.conv_bias = random_input({O}, g);
  layer.bn_weight = random_input({O}, g, 0.5f, 1.5f);
  layer.bn_bias = random_input({O}, g, -0.5f, 0.5f);
  layer.running_mean = uniform({O}, -0.5f, 0.5f, g);
  layer.running_var = uniform({O}, 0.5f, 1.5f, g);
  if (s.residual) layer.residual = random_input(output_shape(s), g);
  layer.stride = s.stride;
  layer.padding = s.padding;
  return layer;
}

// The op on the layer's tensors (running buffers as given: they move in training).
static Tensor fused(const FusedLayer& l, const Tensor& running_mean, const Tensor& running_var,
                    bool training) {
  return conv_batch_norm_relu(l.x, l.conv_weight, l.conv_bias, l.bn_weight, l.bn_bias, running_mean,
                              running_var, l.stride, l.padding, training, 0.1f, 1e-5f, l.residual);
}

// The leaves that require grad, in a fixed order, with their names.
struct Leaf {
  const char* name;
  Tensor tensor;
};
static std::vector<Leaf> named_leaves(const FusedLayer& l) {
  std::vector<Leaf> out;
  for (const Leaf& leaf :
       {Leaf{"x", l.x}, Leaf{"conv_weight", l.conv_weight}, Leaf{"conv_bias", l.conv_bias},
        Leaf{"bn_weight", l.bn_weight}, Leaf{"bn_bias", l.bn_bias}, Leaf{"residual", l.residual}}) {
    if (leaf.tensor.defined()) out.push_back(leaf);
  }
  return out;
}

static std::vector<Tensor> leaves(const FusedLayer& l) {
  std::vector<Tensor> out;
  for (const Leaf& leaf : named_leaves(l)) out.push_back(leaf.tensor);
  return out;
}

static void zero_grads(const FusedLayer& l) {
  for (Tensor t : leaves(l)) t.zero_grad();
}

// Odd sizes, stride 2, batch 1, with and without the conv bias and the residual.
static const std::vector<LayerShape> kShapes{
    {{2, 3, 5, 7}, 4, 3, 1, 1, true, false},
    {{1, 2, 6, 5}, 3, 3, 2, 1, false, true},
    {{3, 2, 4, 4}, 2, 1, 1, 0, true, true},
    {{2, 3, 7, 6}, 3, 3, {2, 1}, {0, 1}, false, false},
};

TEST_CASE("gradcheck on the CPU: training and eval, every layer shape") {
  // The seed keeps every pre-ReLU value away from the kink at 0 (farther than the difference
  // step moves it), where finite differences of a ReLU are meaningless.
  Generator g(7);
  for (const LayerShape& s : kShapes) {
    for (const bool training : {true, false}) {
      CAPTURE(to_string(s.x));
      CAPTURE(training);
      const FusedLayer l = make_layer(s, g);
      const Tensor running_mean = l.running_mean.clone(), running_var = l.running_var.clone();
      gradcheck(
          [&](const std::vector<Tensor>& v) {
            FusedLayer moved = l;  // the leaves in leaves()'s order, replaced by gradcheck's copies
            size_t next = 0;
            for (Tensor* t : {&moved.x, &moved.conv_weight, &moved.conv_bias, &moved.bn_weight,
                              &moved.bn_bias, &moved.residual}) {
              if (t->defined()) *t = v[next++];
            }
            return fused(moved, running_mean, running_var, training);
          },
          leaves(l));
    }
  }
}

TEST_CASE("CPU: equals relu(batch_norm(conv2d(x)) + residual), buffers and gradients too") {
  Generator g(42);
  for (const LayerShape& s : kShapes) {
    for (const bool training : {true, false}) {
      CAPTURE(to_string(s.x));
      CAPTURE(training);
      const FusedLayer l = make_layer(s, g);
      const Tensor grad = uniform(output_shape(s), -1.0f, 1.0f, g);
      const Tensor mean_a = l.running_mean.clone(), var_a = l.running_var.clone();
      fused(l, mean_a, var_a, training).backward(grad);
      std::vector<Tensor> fused_grads;
      for (const Tensor& t : leaves(l)) fused_grads.push_back(t.grad());
      zero_grads(l);

      const Tensor mean_b = l.running_mean.clone(), var_b = l.running_var.clone();
      Tensor composed = batch_norm(conv2d(l.x, l.conv_weight, l.conv_bias, l.stride, l.padding),
                                   l.bn_weight, l.bn_bias, mean_b, var_b, training);
      if (l.residual.defined()) composed = composed + l.residual;
      relu(composed).backward(grad);
      // The CPU op runs the same kernels; only the fused BN-ReLU's FMA contraction differs.
      check_close(mean_a, mean_b, 1e-6f, 0.0f, "running_mean");
      check_close(var_a, var_b, 1e-6f, 0.0f, "running_var");
      const std::vector<Leaf> leaf = named_leaves(l);
      for (size_t i = 0; i < leaf.size(); ++i) {
        check_close(fused_grads[i], leaf[i].tensor.grad(), 1e-4f, 1e-5f,
                    std::string("grad ") + leaf[i].name);
      }
    }
  }
}

// A copy of a CPU tensor on `device` that is a leaf requiring grad when the original does.
static Tensor moved_to(const Tensor& t, Device device) {
  if (!t.defined()) return Tensor();
  Tensor copy = t.detach().to(device);
  if (t.requires_grad()) copy.set_requires_grad(true);
  return copy;
}

static FusedLayer layer_on(const FusedLayer& l, Device device) {
  return {moved_to(l.x, device),
          moved_to(l.conv_weight, device),
          moved_to(l.conv_bias, device),
          moved_to(l.bn_weight, device),
          moved_to(l.bn_bias, device),
          moved_to(l.running_mean, device),
          moved_to(l.running_var, device),
          moved_to(l.residual, device),
          l.stride,
          l.padding};
}

TEST_CASE("CUDA (emulated unless LEUKO_TEST_GPU=1) matches the CPU: training and eval") {
  const Device device = testing::gpu_test_device();
  Generator g(43);
  // Output grids of 2 x 90 and 1 x 4 x 3 positions: neither a multiple of the 64-column tile.
  const std::vector<LayerShape> shapes{
      {{2, 3, 9, 10}, 5, 3, 1, 1, true, false},
      {{2, 3, 9, 10}, 5, 3, 1, 1, false, true},
      {{1, 4, 7, 6}, 6, 3, 2, 1, true, true},
  };
  for (const LayerShape& s : shapes) {
    for (const bool training : {true, false}) {
      CAPTURE(to_string(s.x));
      CAPTURE(s.residual);
      CAPTURE(training);
      const FusedLayer cpu = make_layer(s, g);
      const FusedLayer gpu = layer_on(cpu, device);
      const Tensor grad = uniform(output_shape(s), -1.0f, 1.0f, g);

      const Tensor y_cpu = fused(cpu, cpu.running_mean, cpu.running_var, training);
      y_cpu.backward(grad);
      const Tensor y_gpu = fused(gpu, gpu.running_mean, gpu.running_var, training);
      CHECK(y_gpu.device() == device);
      y_gpu.backward(grad.to(device));

      // Float convolution sums in another order (~1e-6 relative), the statistics in double
      // on both; the batch-norm backward subtracts channel sums from m * dy, which shows
      // their float rounding at ~1e-5 of the gradient's scale: 1e-4 on gradients.
      check_close(y_gpu.to(Device::cpu), y_cpu, 1e-4f, 1e-5f, "output");
      check_close(gpu.running_mean.to(Device::cpu), cpu.running_mean, 1e-5f, 1e-6f, "running_mean");
      check_close(gpu.running_var.to(Device::cpu), cpu.running_var, 1e-5f, 1e-6f, "running_var");
      const std::vector<Leaf> cpu_leaves = named_leaves(cpu), gpu_leaves = named_leaves(gpu);
      for (size_t i = 0; i < cpu_leaves.size(); ++i) {
        check_close(gpu_leaves[i].tensor.grad().to(Device::cpu), cpu_leaves[i].tensor.grad(), 1e-4f,
                    1e-4f, std::string("grad ") + cpu_leaves[i].name);
      }
    }
  }
}

// The per-channel mean and biased variance of y [N, O, ...] summed in double on the host.
static void host_statistics(const Tensor& y, std::vector<double>& mean,
                            std::vector<double>& variance) {
  const int64_t N = y.size(0), O = y.size(1), S = y.numel() / (N * O);
  const std::vector<float> v = y.to_vector();
  mean.assign(O, 0.0);
  variance.assign(O, 0.0);
  for (int64_t o = 0; o < O; ++o) {
    double sum = 0.0, sum_sq = 0.0;
    for (int64_t n = 0; n < N; ++n) {
      for (int64_t p = 0; p < S; ++p) {
        const double value = v[(n * O + o) * S + p];
        sum += value;
        sum_sq += value * value;
      }
    }
    const double m = static_cast<double>(N * S);
    mean[o] = sum / m;
    variance[o] = std::max(sum_sq / m - mean[o] * mean[o], 0.0);
  }
}

TEST_CASE("conv2d_forward_batch_stats: y as conv2d, statistics of the values written") {
  Generator g(44);
  struct Case {
    Shape x;
    int64_t out_channels, kernel, stride, padding;
    float bias_offset;  // a large conv bias: the mean far above the spread
  };
  // 70 output channels: a second row tile with 6 rows; 2 x 90 columns: a tail tile; batch 1
  // with stride 2; a mean of ~100 against a spread of ~1, where float32 squares would lose the
  // variance (E[y^2] - E[y]^2 cancels 4 of float's 7 digits).
  for (const Case& c : std::vector<Case>{{{2, 3, 9, 10}, 70, 3, 1, 1, 0.0f},
                                         {{1, 2, 7, 5}, 5, 3, 2, 0, 0.0f},
                                         {{2, 4, 8, 8}, 3, 1, 1, 0, 100.0f}}) {
    CAPTURE(to_string(c.x));
    const int64_t O = c.out_channels;
    const Tensor x = uniform(c.x, -1.0f, 1.0f, g);
    const Tensor weight = uniform({O, c.x[1], c.kernel, c.kernel}, -0.5f, 0.5f, g);
    const Tensor bias = uniform({O}, c.bias_offset - 1.0f, c.bias_offset + 1.0f, g);
    const Tensor y_cpu = conv2d(x, weight, bias, c.stride, c.padding);

    const Device emu = Device::cuda_emu;
    const Tensor x_dev = x.to(emu), weight_dev = weight.to(emu), bias_dev = bias.to(emu);
    Tensor y = empty(y_cpu.shape(), DType::f32, emu);  // NaN until written
    Tensor mean = empty({O}, DType::f32, emu), variance = empty({O}, DType::f32, emu);
    Tensor inv_std = empty({O}, DType::f32, emu);
    const float eps = 1e-5f;
    const ConvGeometry problem{c.x[0],    c.x[1],   c.x[2],   c.x[3],        O,
                               c.kernel,  c.kernel, c.stride, c.stride,      c.padding,
                               c.padding, 1,        1,        y_cpu.size(2), y_cpu.size(3)};
    cuda_emu::conv2d_forward_batch_stats(
        x_dev.data<float>(), weight_dev.data<float>(), bias_dev.data<float>(), eps, y.data<float>(),
        mean.data<float>(), variance.data<float>(), inv_std.data<float>(), problem);
    check_close(y.to(Device::cpu), y_cpu, 1e-5f, 1e-5f, "y");

    // The statistics of the very values written, summed in double here: only the order of
    // the double additions differs (and the float32 rounding of the results).
    std::vector<double> expected_mean, expected_variance;
    host_statistics(y.to(Device::cpu), expected_mean, expected_variance);
    const std::vector<float> got_mean = mean.to_vector(), got_variance = variance.to_vector();
    const std::vector<float> got_inv_std = inv_std.to_vector();
    for (int64_t o = 0; o < O; ++o) {
      CAPTURE(o);
      CHECK(got_mean[o] == doctest::Approx(expected_mean[o]).epsilon(1e-6));
      CHECK(got_variance[o] == doctest::Approx(expected_variance[o]).epsilon(1e-5));
      CHECK(got_inv_std[o] ==
            doctest::Approx(1.0 / std::sqrt(expected_variance[o] + eps)).epsilon(1e-5));
    }
  }
}

TEST_CASE("errors name the op and what was expected") {
  const Tensor x = zeros({2, 3, 5, 5}), w = zeros({4, 3, 3, 3}), c4 = zeros({4});
  auto call = [&](const Tensor& input, const Tensor& weight, const Tensor& conv_bias,
                  const Tensor& bn_weight, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& residual, bool training) {
    return conv_batch_norm_relu(input, weight, conv_bias, bn_weight, c4, running_mean, running_var,
                                1, 1, training, 0.1f, 1e-5f, residual);
  };
  CHECK_THROWS_WITH_AS(call(zeros({3, 5, 5}), w, c4, c4, c4, c4, Tensor(), true),
                       doctest::Contains("conv_batch_norm_relu: input [N, C, H, W]"), leuko::Error);
  CHECK_THROWS_WITH_AS(call(x, zeros({4, 2, 3, 3}), c4, c4, c4, c4, Tensor(), true),
                       doctest::Contains("input has 3 channels, conv_weight expects 2"),
                       leuko::Error);
  CHECK_THROWS_WITH_AS(call(x, w, zeros({3}), c4, c4, c4, Tensor(), true),
                       doctest::Contains("conv_bias must have shape [4]"), leuko::Error);
  CHECK_THROWS_WITH_AS(call(x, w, c4, zeros({5}), c4, c4, Tensor(), true),
                       doctest::Contains("bn_weight must have shape [4]"), leuko::Error);
  CHECK_THROWS_WITH_AS(call(x, w, c4, c4, zeros({2}), c4, Tensor(), true),
                       doctest::Contains("running_mean must have shape [4]"), leuko::Error);
  CHECK_THROWS_WITH_AS(call(x, w, c4, c4, c4, Tensor(), Tensor(), false),
                       doctest::Contains("given together"), leuko::Error);
  CHECK_THROWS_WITH_AS(call(x, w, c4, c4, c4, c4, zeros({2, 4, 4, 4}), true),
                       doctest::Contains("residual must have the convolution's output shape "
                                         "[2, 4, 5, 5], got [2, 4, 4, 4]"),
                       leuko::Error);
  CHECK_THROWS_WITH_AS(call(zeros({1, 3, 1, 1}), w, c4, c4, c4, c4, Tensor(), true),
                       doctest::Contains("more than 1 value per channel"), leuko::Error);
  CHECK_THROWS_WITH_AS(
      call(zeros({2, 3, 1, 1}), zeros({4, 3, 5, 5}), c4, c4, c4, c4, Tensor(), true),
      doctest::Contains("kernel 5x5 is larger than the padded input 3x3"), leuko::Error);
  CHECK_THROWS_WITH_AS(conv_batch_norm_relu(x, w, c4, c4, c4, c4, c4, 0, 1, true),
                       doctest::Contains("stride must be positive"), leuko::Error);
}

TEST_CASE("conv2d_bn_relu_inference: the fold in one pass matches the three ops on the CPU") {
  Generator g(15);
  const Device device = testing::gpu_test_device();
  const Tensor x = uniform({2, 3, 7, 5}, -1.0f, 1.0f, g), w = uniform({6, 3, 3, 3}, -1.0f, 1.0f, g);
  const Tensor bias = uniform({6}, -1.0f, 1.0f, g);
  const Tensor gamma = uniform({6}, 0.5f, 1.5f, g), beta = uniform({6}, -0.5f, 0.5f, g);
  const Tensor mean = uniform({6}, -0.5f, 0.5f, g), var = uniform({6}, 0.2f, 2.0f, g);
  const float eps = 1e-5f;
  const Tensor expected =
      relu(batch_norm(conv2d(x, w, bias, 1, 1), gamma, beta, mean, var, false, 0.1f, eps));

  const ConvGeometry problem{2, 3, 7, 5, 6, 3, 3, 1, 1, 1, 1, 1, 1, 7, 5};
  const Tensor x_d = x.to(device), w_d = w.to(device), bias_d = bias.to(device);
  const Tensor gamma_d = gamma.to(device), beta_d = beta.to(device);
  const Tensor mean_d = mean.to(device), var_d = var.to(device);
  Tensor y_d = empty(expected.shape(), DType::f32, device);
  LEUKO_CUDA_KERNELS(conv2d_bn_relu_inference)
      .on(device, "conv2d_bn_relu_inference")(x_d.data<float>(), w_d.data<float>(),
                                              bias_d.data<float>(), gamma_d.data<float>(),
                                              beta_d.data<float>(), mean_d.data<float>(),
                                              var_d.data<float>(), eps, y_d.data<float>(), problem);
  // Folding the scale into the weights rounds each product differently from normalizing
  // the finished sum: agreement to a few float32 ulps of the 27-term sums.
  check_close(y_d, expected, 1e-4f, 1e-5f, "conv + batch norm + relu");
  int zeros_count = 0;
  for (float v : y_d.to_vector()) zeros_count += v == 0.0f;
  CHECK(zeros_count > 0);  // the ReLU did clip something
}
