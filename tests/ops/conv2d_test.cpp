#include <cmath>

#include "engine/autograd.h"
#include "engine/cuda_options.h"
#include "engine/error.h"
#include "engine/ops.h"
#include "kernels/cpu/conv2d.h"
#include "tests/support/device_compare.h"
#include "tests/support/testing.h"

using namespace leuko;
using namespace leuko::testing;

// conv2d's readable reference (kernels/cpu/conv2d_reference.cpp), dilation 1, bias b optional:
// the ground truth for shapes too large for golden files (they make im2col work in several
// bands of output rows).
static Tensor reference_conv2d(const Tensor& x, const Tensor& w, const Tensor& b, int64_t stride,
                               int64_t padding, const Shape& y_shape) {
  ConvGeometry g{};
  g.batch = x.size(0);
  g.channels = x.size(1);
  g.height = x.size(2);
  g.width = x.size(3);
  g.out_channels = w.size(0);
  g.kernel_h = w.size(2);
  g.kernel_w = w.size(3);
  g.stride_h = g.stride_w = stride;
  g.pad_h = g.pad_w = padding;
  g.dilation_h = g.dilation_w = 1;
  g.out_h = y_shape[2];
  g.out_w = y_shape[3];
  Tensor y = zeros(y_shape);
  cpu::reference::conv2d_forward(x.data<float>(), w.data<float>(),
                                 b.defined() ? b.data<float>() : nullptr, y.data<float>(), g);
  return y;
}

TEST_CASE("conv2d: hand-computed values (2x2 kernel, padding 1 with stride 2, bias)") {
  Tensor x = from_vector({1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 1, 3, 3});
  Tensor w = from_vector({1, 1, 1, 1}, {1, 1, 2, 2});
  CHECK(conv2d(x, w).to_vector() == std::vector<float>{12, 16, 24, 28});
  CHECK(conv2d(x, w, from_vector({0.5f}, {1})).to_vector() ==
        std::vector<float>{12.5f, 16.5f, 24.5f, 28.5f});
  // Padding 1, stride 2: the windows at (-1,-1), (-1,1), (1,-1), (1,1) of the padded input.
  CHECK(conv2d(x, w, Tensor(), 2, 1).to_vector() == std::vector<float>{1, 5, 11, 28});
  // Dilation 2 of a 2x2 kernel reads the four corners.
  CHECK(conv2d(x, w, Tensor(), 1, 0, 2).to_vector() == std::vector<float>{20});
  // Two input channels are summed; two output channels are separate.
  Tensor x2 = from_vector({1, 2, 3, 4, 10, 20, 30, 40}, {1, 2, 2, 2});
  Tensor w2 = from_vector({1, 0, 0, 0, 0, 0, 0, 1,   // out 0: x[0,0,0] + x[1,1,1]
                           0, 1, 0, 0, 0, 0, 1, 0},  // out 1: x[0,0,1] + x[1,1,0]
                          {2, 2, 2, 2});
  CHECK(conv2d(x2, w2).to_vector() == std::vector<float>{41, 32});
}

TEST_CASE("gradcheck: conv2d over odd sizes, stride, padding, dilation, batch, bias, 1x1") {
  Generator g(31);
  struct Case {
    Shape x, w;
    Size2 stride, padding, dilation;
    bool bias;
  };
  const std::vector<Case> cases = {
      {{2, 3, 7, 5}, {4, 3, 3, 3}, 1, 1, 1, true},                 // odd H/W, padding 1
      {{1, 2, 7, 5}, {3, 2, 3, 3}, 2, 1, 1, true},                 // batch 1, stride 2
      {{3, 2, 6, 7}, {2, 2, 3, 3}, 2, 2, 1, false},                // batch 3, padding 2, no bias
      {{2, 2, 9, 8}, {3, 2, 3, 3}, 1, 2, 2, true},                 // dilation 2
      {{1, 2, 5, 6}, {2, 2, 3, 3}, 1, 3, 1, false},                // stride 1, padding > k - 1
      {{2, 4, 5, 6}, {3, 4, 1, 1}, 1, 0, 1, true},                 // pointwise fast path
      {{1, 3, 6, 5}, {2, 3, 1, 1}, 2, 0, 1, false},                // 1x1 with stride 2 (im2col)
      {{2, 2, 8, 7}, {2, 2, 3, 2}, {2, 1}, {1, 0}, {1, 2}, true},  // rectangular everything
  };
  for (const Case& c : cases) {
    CAPTURE(to_string(c.x));
    CAPTURE(to_string(c.w));
    std::vector<Tensor> inputs{random_input(c.x, g), random_input(c.w, g)};
    if (c.bias) inputs.push_back(random_input({c.w[0]}, g));
    gradcheck(
        [&](const std::vector<Tensor>& v) {
          return conv2d(v[0], v[1], c.bias ? v[2] : Tensor(), c.stride, c.padding, c.dilation);
        },
        inputs);
  }
}

TEST_CASE("conv2d matches PyTorch: output and input, weight, bias gradients (golden)") {
  const SafetensorsFile file = testing::load_golden("conv2d");
  for (const char* name : {"k3p1", "k3s2p1", "rect_nobias", "pointwise", "k5s2p2d2", "k3_wide"}) {
    CAPTURE(name);
    const std::string key = name;
    const std::vector<int64_t> cfg = golden_tensor(file, key + ".config").to_vector_i64();
    REQUIRE(cfg.size() == 6);
    // The reference is float64; float32 sums of up to 200 products of values in (-1, 1)
    // (weight gradients sum over batch x positions) stay well within 1e-5 relative,
    // plus an absolute 1e-5 for results that cancel to near zero.
    testing::check_layer_against_golden(
        file, key,
        [&](const Tensor& x, const Tensor& w, const Tensor& b) {
          return conv2d(x, w, b, {cfg[0], cfg[1]}, {cfg[2], cfg[3]}, {cfg[4], cfg[5]});
        },
        1e-5f, 1e-5f);
  }
}

TEST_CASE("conv2d on images split into several im2col bands matches the direct definition") {
  Generator g(32);
  // 16 channels x 3x3 taps x 48 columns: several bands of output rows per image; batch 3 on
  // the OpenMP threads, then batch 1 alone (where the kernels split their own work).
  for (int64_t batch : {3, 1}) {
    for (int64_t stride : {1, 2}) {
      CAPTURE(batch);
      CAPTURE(stride);
      Tensor x = random_input({batch, 16, 50, 48}, g);
      Tensor w = random_input({5, 16, 3, 3}, g);
      Tensor y = conv2d(x, w, Tensor(), stride, 1);
      // Sums of 144 products: float32 rounding stays below 1e-5 relative + 1e-5 absolute.
      check_close(y, reference_conv2d(x, w, Tensor(), stride, 1, y.shape()), 1e-5f, 1e-5f, "y");
      // The backward passes are checked through the adjoint identities of a linear map:
      // <conv(x, w), dy> = <x, dL/dx> = <w, dL/dw> for L = <conv(x, w), dy>.
      Tensor dy = uniform(y.shape(), -1, 1, g);
      y.backward(dy);
      const double reference = dot(y, dy);
      CHECK(dot(x, x.grad()) == doctest::Approx(reference).epsilon(1e-5));
      CHECK(dot(w, w.grad()) == doctest::Approx(reference).epsilon(1e-5));
    }
  }
}

TEST_CASE(
    "conv2d on small images, several side by side in one product, matches the direct definition") {
  Generator g(34);
  // 6x5 images have 30 positions or fewer: the kernels put several images into one column
  // matrix (gather/scatter between NCHW and the block's product). Batch 7 makes uneven blocks.
  struct Case {
    int64_t kernel, stride, padding;
  };
  for (const Case& c : {Case{3, 1, 1}, Case{3, 2, 1}, Case{1, 1, 0}, Case{1, 2, 0}}) {
    CAPTURE(c.kernel);
    CAPTURE(c.stride);
    Tensor x = random_input({7, 6, 6, 5}, g);
    Tensor w = random_input({4, 6, c.kernel, c.kernel}, g);
    Tensor b = random_input({4}, g);
    Tensor y = conv2d(x, w, b, c.stride, c.padding);
    check_close(y, reference_conv2d(x, w, b, c.stride, c.padding, y.shape()), 1e-5f, 1e-5f, "y");
    Tensor dy = uniform(y.shape(), -1, 1, g);
    y.backward(dy);
    const double reference = dot(y, dy) - dot(b, b.grad());  // <conv(x, w), dy> without the bias
    CHECK(dot(x, x.grad()) == doctest::Approx(reference).epsilon(1e-5));
    CHECK(dot(w, w.grad()) == doctest::Approx(reference).epsilon(1e-5));
  }
}

TEST_CASE("conv2d computes only the gradients its inputs need, and reads strided views") {
  Generator g(33);
  Tensor x = uniform({2, 3, 6, 6}, -1, 1, g);  // does not require grad
  Tensor w = random_input({4, 3, 3, 3}, g);
  Tensor b = uniform({4}, -1, 1, g);  // frozen bias
  sum(conv2d(x, w, b, 1, 1)).backward();
  CHECK(w.grad().defined());
  CHECK_FALSE(x.grad().defined());
  CHECK_FALSE(b.grad().defined());
  // A permuted (non-contiguous) input gives the same result as its contiguous copy.
  Tensor nhwc = uniform({2, 6, 6, 3}, -1, 1, g);
  Tensor view = nhwc.permute({0, 3, 1, 2});
  REQUIRE_FALSE(view.is_contiguous());
  check_close(conv2d(view, w, b, 1, 1), conv2d(view.contiguous(), w, b, 1, 1), 0.0f, 0.0f,
              "permuted input");
  // Without recording, the output carries no history.
  NoGradGuard no_grad;
  CHECK_FALSE(conv2d(x, w, b).requires_grad());
}

TEST_CASE("conv2d rejects bad input with clear messages") {
  Tensor x = zeros({2, 4, 8, 8});
  CHECK_THROWS_WITH_AS(conv2d(x, zeros({5, 3, 3, 3})),
                       doctest::Contains("conv2d: input has 4 channels, weight expects 3"), Error);
  CHECK_THROWS_WITH_AS(
      conv2d(x, zeros({4, 3})),
      doctest::Contains("conv2d: weight [out, in, kh, kw] must be 4-D, got shape [4, 3]"), Error);
  CHECK_THROWS_WITH_AS(
      conv2d(zeros({4, 8, 8}), zeros({5, 4, 3, 3})),
      doctest::Contains("conv2d: input [N, C, H, W] must be 4-D, got shape [4, 8, 8]"), Error);
  CHECK_THROWS_WITH_AS(conv2d(x, zeros({5, 4, 11, 3}), Tensor(), 1, 1),
                       doctest::Contains("is larger than the padded input 10x10"), Error);
  CHECK_THROWS_WITH_AS(
      conv2d(x, zeros({5, 4, 3, 3}), Tensor(), 1, 0, 5),
      doctest::Contains("kernel 3x3 (11x11 dilated) is larger than the padded input 8x8"), Error);
  CHECK_THROWS_WITH_AS(
      conv2d(x, zeros({5, 4, 3, 3}), zeros({4})),
      doctest::Contains("conv2d: bias must be [5] (one per output channel), got [4]"), Error);
  CHECK_THROWS_WITH_AS(conv2d(zeros({2, 4, 8, 8}, DType::i64), zeros({5, 4, 3, 3})),
                       doctest::Contains("conv2d: input must be"), Error);
  CHECK_THROWS_WITH_AS(conv2d(x, zeros({5, 4, 3, 3}), Tensor(), 0),
                       doctest::Contains("conv2d: stride must be positive, got 0x0"), Error);
  CHECK_THROWS_WITH_AS(conv2d(x, zeros({5, 4, 3, 3}), Tensor(), 1, -1),
                       doctest::Contains("conv2d: padding must be >= 0, got -1x-1"), Error);
}

// ---- the device backend, gpu_test_device() (cuda-emu; the GPU with LEUKO_TEST_GPU=1) -------

// conv2d forward and backward on the test device vs the CPU, from the same fresh random
// inputs. Tolerances: the device sums the C*kh*kw (forward), O*kh*kw (input gradient) and
// N*out_h*out_w (weight and bias gradients) products in another order than OpenBLAS, so
// results agree to float32 rounding of sums of ~30-130 terms of size ~1, not bit for bit.
static void check_conv2d_device_matches_cpu(const Shape& x_shape, const Shape& w_shape,
                                            bool with_bias, Size2 stride, Size2 padding,
                                            Size2 dilation, uint64_t seed) {
  Generator g(seed);
  std::vector<Tensor> inputs{random_input(x_shape, g), random_input(w_shape, g)};
  if (with_bias) inputs.push_back(random_input({w_shape[0]}, g));
  testing::check_conv_device_matches_cpu(
      [&](const std::vector<Tensor>& v) {
        return conv2d(v[0], v[1], with_bias ? v[2] : Tensor(), stride, padding, dilation);
      },
      inputs, "conv2d", {1e-4f, 1e-5f, 1e-4f, 1e-4f});
}

TEST_CASE("cuda-emu matches the CPU: conv2d forward and backward, padding, bias") {
  // 126 output positions and 27 products per output: two column tiles and two K slices,
  // both with tails.
  check_conv2d_device_matches_cpu({2, 3, 9, 7}, {4, 3, 3, 3}, true, 1, 1, 1, 11);
}

TEST_CASE("cuda-emu matches the CPU: conv2d with stride 2, dilation, uneven padding") {
  check_conv2d_device_matches_cpu({1, 3, 9, 7}, {5, 3, 3, 2}, false, {2, 2}, {1, 0}, {1, 2}, 12);
  check_conv2d_device_matches_cpu({2, 2, 8, 9}, {3, 2, 2, 3}, true, {2, 3}, {0, 1}, 1, 13);
}

TEST_CASE("cuda-emu matches the CPU: conv2d 1x1 with more output channels than a tile") {
  check_conv2d_device_matches_cpu({1, 5, 4, 3}, {70, 5, 1, 1}, true, 1, 0, 1, 14);
}

TEST_CASE("cuda-emu matches the CPU: conv2d weight gradient split over the batch x positions") {
  // 2 x 24 x 22 = 1056 products per weight gradient element: two chunks of split-K.
  check_conv2d_device_matches_cpu({2, 2, 24, 22}, {3, 2, 3, 3}, true, 1, 1, 1, 16);
}

TEST_CASE("conv2d rejects tensors on different devices") {
  const Tensor x = zeros({1, 2, 5, 5});
  const Tensor w = zeros({3, 2, 3, 3}, DType::f32, Device::cuda_emu);
  CHECK_THROWS_WITH_AS(conv2d(x, w), doctest::Contains("conv2d: tensors on different devices"),
                       Error);
}

TEST_CASE("the cuDNN setting still runs the project's kernels on cuda-emu (no cuDNN there)") {
  set_cuda_conv_algorithm(ConvAlgorithm::implicit_gemm);
  CHECK(cuda_conv_algorithm() == ConvAlgorithm::implicit_gemm);
  set_cuda_conv_algorithm(ConvAlgorithm::cudnn);
  CHECK(cuda_conv_algorithm() == ConvAlgorithm::cudnn);
  Generator g(17);
  const Tensor x = uniform({1, 2, 5, 6}, -1.0f, 1.0f, g), w = uniform({3, 2, 3, 3}, -1.0f, 1.0f, g);
  const Tensor y = conv2d(x.to(Device::cuda_emu), w.to(Device::cuda_emu), Tensor(), 1, 1);
  check_close(y, conv2d(x, w, Tensor(), 1, 1), 1e-4f, 1e-5f, "conv2d on cuda-emu");
}
