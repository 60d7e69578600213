#include "engine/error.h"
#include "engine/ops.h"
#include "tests/support/device_compare.h"
#include "tests/support/testing.h"

using namespace leuko;
using namespace leuko::testing;

TEST_CASE("conv_transpose2d: hand-computed values (each input pixel stamps the kernel)") {
  // One channel, 2x2 input, 2x2 kernel of ones, stride 2: every pixel becomes a 2x2 block.
  Tensor x = from_vector({1, 2, 3, 4}, {1, 1, 2, 2});
  Tensor ones_kernel = ones({1, 1, 2, 2});
  CHECK(conv_transpose2d(x, ones_kernel, Tensor(), 2).to_vector() ==
        std::vector<float>{1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4});
  // Stride 1: the stamps overlap and add up; bias is added everywhere.
  CHECK(conv_transpose2d(x, ones_kernel, from_vector({10}, {1})).to_vector() ==
        std::vector<float>{11, 13, 12, 14, 20, 16, 13, 17, 14});
  // Padding 1 crops one row and column off each side of that 3x3 result; output_padding 1
  // (with stride 2) adds a row and column at the far end, reached by no input pixel.
  CHECK(conv_transpose2d(x, ones_kernel, Tensor(), 1, 1).to_vector() == std::vector<float>{10});
  Tensor padded = conv_transpose2d(x, ones_kernel, Tensor(), 2, 0, 1);
  CHECK(padded.shape() == Shape{1, 1, 5, 5});
  CHECK(padded.to_vector()[24] == 0.0f);
  // weight is [C_in, C_out, kh, kw]: two input channels add into one output channel.
  Tensor x2 = from_vector({1, 100}, {1, 2, 1, 1});
  Tensor w2 = from_vector({1, 2, 3, 4}, {2, 1, 1, 2});
  CHECK(conv_transpose2d(x2, w2).to_vector() == std::vector<float>{301, 402});
}

TEST_CASE("gradcheck: conv_transpose2d (stride 2, padding 1, output_padding 1, dilation)") {
  Generator g(41);
  struct Case {
    Shape x, w;
    Size2 stride, padding, output_padding, dilation;
    bool bias;
  };
  const std::vector<Case> cases = {
      {{2, 3, 4, 5}, {3, 2, 3, 3}, 1, 0, 0, 1, true},
      {{1, 2, 5, 4}, {2, 3, 3, 3}, 2, 1, 1, 1, true},   // the autoencoder's upsampling
      {{3, 2, 3, 3}, {2, 2, 2, 2}, 2, 0, 0, 1, false},  // kernel 2 stride 2, batch 3
      {{2, 2, 4, 3}, {2, 2, 3, 3}, 1, 1, 1, 2, true},   // dilation 2, output_padding 1
      {{1, 2, 3, 4}, {2, 3, 3, 2}, {2, 1}, {1, 0}, {1, 0}, {1, 2}, true},  // rectangular
      {{2, 3, 4, 4}, {3, 2, 1, 1}, 1, 0, 0, 1, true},                      // 1x1 (pointwise path)
  };
  for (const Case& c : cases) {
    CAPTURE(to_string(c.x));
    CAPTURE(to_string(c.w));
    std::vector<Tensor> inputs{random_input(c.x, g), random_input(c.w, g)};
    if (c.bias) inputs.push_back(random_input({c.w[1]}, g));
    gradcheck(
        [&](const std::vector<Tensor>& v) {
          return conv_transpose2d(v[0], v[1], c.bias ? v[2] : Tensor(), c.stride, c.padding,
                                  c.output_padding, c.dilation);
        },
        inputs);
  }
}

TEST_CASE("conv_transpose2d matches PyTorch: output and all gradients (golden)") {
  const SafetensorsFile file = testing::load_golden("conv_transpose2d");
  for (const char* name : {"k3", "k3s2p1op1", "k2s2_nobias", "rect_d2", "s1d2op1"}) {
    CAPTURE(name);
    const std::string key = name;
    const std::vector<int64_t> cfg = golden_tensor(file, key + ".config").to_vector_i64();
    REQUIRE(cfg.size() == 8);
    // float64 reference; float32 sums of at most ~100 products of values in (-1, 1).
    testing::check_layer_against_golden(
        file, key,
        [&](const Tensor& x, const Tensor& w, const Tensor& b) {
          return conv_transpose2d(x, w, b, {cfg[0], cfg[1]}, {cfg[2], cfg[3]}, {cfg[4], cfg[5]},
                                  {cfg[6], cfg[7]});
        },
        1e-5f, 1e-5f);
  }
}

TEST_CASE("conv_transpose2d is the adjoint of conv2d, also on images of several bands") {
  Generator g(42);
  // <conv_transpose2d(x, w), z> = <x, conv2d(z, w)> for every x, z: the definition of the
  // transposed convolution. Large enough that im2col/col2im work in several bands.
  for (int64_t batch : {2, 1}) {
    CAPTURE(batch);
    Tensor x = uniform({batch, 8, 32, 30}, -1, 1, g);
    Tensor w = uniform({8, 32, 3, 3}, -1, 1, g);
    Tensor y = conv_transpose2d(x, w, Tensor(), 2, 1, 1);
    REQUIRE(y.shape() == Shape{batch, 32, 64, 60});
    Tensor z = uniform(y.shape(), -1, 1, g);
    CHECK(dot(y, z) == doctest::Approx(dot(x, conv2d(z, w, Tensor(), 2, 1))).epsilon(1e-5));
  }
}

TEST_CASE("conv_transpose2d rejects bad input with clear messages") {
  Tensor x = zeros({2, 4, 5, 5});
  CHECK_THROWS_WITH_AS(
      conv_transpose2d(x, zeros({3, 2, 3, 3})),
      doctest::Contains("conv_transpose2d: input has 4 channels, weight expects 3"), Error);
  CHECK_THROWS_WITH_AS(
      conv_transpose2d(x, zeros({4, 2, 3})),
      doctest::Contains("conv_transpose2d: weight [C_in, C_out, kh, kw] must be 4-D"), Error);
  CHECK_THROWS_WITH_AS(
      conv_transpose2d(x, zeros({4, 2, 3, 3}), zeros({4})),
      doctest::Contains("conv_transpose2d: bias must be [2] (one per output channel), got [4]"),
      Error);
  CHECK_THROWS_WITH_AS(
      conv_transpose2d(x, zeros({4, 2, 3, 3}), Tensor(), 2, 1, 2),
      doctest::Contains(
          "output_padding 2x2 must be smaller than either stride 2x2 or dilation 1x1"),
      Error);
  CHECK_THROWS_WITH_AS(conv_transpose2d(zeros({1, 4, 1, 1}), zeros({4, 2, 1, 1}), Tensor(), 1, 1),
                       doctest::Contains("conv_transpose2d: output size -1x-1 is not positive"),
                       Error);
  CHECK_THROWS_WITH_AS(conv_transpose2d(zeros({2, 4, 5, 5}, DType::i64), zeros({4, 2, 3, 3})),
                       doctest::Contains("conv_transpose2d: input must be"), Error);
}

// ---- the device backend, gpu_test_device() (cuda-emu; the GPU with LEUKO_TEST_GPU=1) -------

// conv_transpose2d forward and backward on the test device vs the CPU, from the same fresh
// random inputs. Tolerances: the device adds the C_in*kh*kw (forward, which is conv2d's
// input gradient), C_out*kh*kw (input gradient) and N*H*W (weight and bias gradients)
// products in another order than OpenBLAS: float32 rounding of sums of tens to hundreds of
// terms of size ~1.
static void check_transpose_device_matches_cpu(const Shape& x_shape, const Shape& w_shape,
                                               bool with_bias, Size2 stride, Size2 padding,
                                               Size2 output_padding, Size2 dilation,
                                               uint64_t seed) {
  Generator g(seed);
  std::vector<Tensor> inputs{random_input(x_shape, g), random_input(w_shape, g)};
  if (with_bias) inputs.push_back(random_input({w_shape[1]}, g));
  testing::check_conv_device_matches_cpu(
      [&](const std::vector<Tensor>& v) {
        return conv_transpose2d(v[0], v[1], with_bias ? v[2] : Tensor(), stride, padding,
                                output_padding, dilation);
      },
      inputs, "conv_transpose2d", {1e-4f, 1e-5f, 1e-4f, 1e-4f});
}

TEST_CASE("cuda-emu matches the CPU: conv_transpose2d, stride 2, padding, output_padding, bias") {
  // y is [2, 4, 10, 8]: 160 pixels, three column tiles of the GEMM with a tail.
  check_transpose_device_matches_cpu({2, 3, 5, 4}, {3, 4, 3, 3}, true, 2, 1, 1, 1, 21);
}

TEST_CASE("cuda-emu matches the CPU: conv_transpose2d with dilation, uneven stride, batch 1") {
  check_transpose_device_matches_cpu({1, 2, 4, 3}, {2, 3, 2, 3}, false, {1, 2}, {0, 1}, 0, {2, 1},
                                     22);
  // output_padding below the dilation (not the stride): a grid cuDNN cannot describe.
  check_transpose_device_matches_cpu({1, 2, 3, 4}, {2, 2, 3, 3}, true, 1, 0, {1, 0}, {2, 1}, 23);
}

TEST_CASE("conv_transpose2d rejects tensors on different devices") {
  const Tensor x = zeros({1, 2, 5, 5}, DType::f32, Device::cuda_emu);
  CHECK_THROWS_WITH_AS(conv_transpose2d(x, zeros({2, 3, 3, 3})),
                       doctest::Contains("conv_transpose2d: tensors on different devices"), Error);
}
