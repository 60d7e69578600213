#include <algorithm>
#include <cmath>
#include <functional>

#include "engine/error.h"
#include "engine/ops.h"
#include "tests/support/device_compare.h"
#include "tests/support/testing.h"

using namespace leuko;
using namespace leuko::testing;

// A leaf holding a shuffled ramp with steps of 0.01: every window has one clear maximum, and
// gradcheck's +-1e-3 steps never change which element wins.
static Tensor distinct_input(const Shape& shape, Generator& g) {
  const int64_t n = shape_numel(shape);
  std::vector<float> values(n);
  for (int64_t i = 0; i < n; ++i) values[i] = 0.01f * static_cast<float>(i - n / 2);
  for (int64_t i = n - 1; i > 0; --i) std::swap(values[i], values[g.next_u64() % (i + 1)]);
  Tensor t = from_vector(values, shape);
  t.set_requires_grad(true);
  return t;
}

TEST_CASE("max_pool2d: hand-computed values and winners on a 4x4 plane") {
  Tensor x = from_vector({1, 5, 2, 0, 3, 4, 8, 7, 9, 0, 1, 1, 2, 6, 3, 2}, {1, 1, 4, 4});
  CHECK(max_pool2d(x, 2, 2).to_vector() == std::vector<float>{5, 8, 9, 3});
  // 3x3 windows, stride 2, padding 1 (ResNet's stem): padded positions never win, even
  // against negative values.
  CHECK(max_pool2d(neg(x), 3, 2, 1).to_vector() == std::vector<float>{-1, 0, 0, 0});
  // Ties go to the first element of the window; the gradient goes there alone.
  Tensor ties = ones({1, 1, 2, 2});
  ties.set_requires_grad(true);
  sum(max_pool2d(ties, 2, 2)).backward();
  CHECK(ties.grad().to_vector() == std::vector<float>{1, 0, 0, 0});
  // A tie between (row 1, column 2) and (row 2, column 0): row-major order picks row 1.
  Tensor late = from_vector({0, 0, 0, 0, 0, 2, 2, 0, 0}, {1, 1, 3, 3});
  late.set_requires_grad(true);
  sum(max_pool2d(late, 3, 1)).backward();
  CHECK(late.grad().to_vector() == std::vector<float>{0, 0, 0, 0, 0, 1, 0, 0, 0});
  // A NaN propagates, as in PyTorch.
  Tensor with_nan = from_vector({1, NAN, 3, 4}, {1, 1, 2, 2});
  CHECK(std::isnan(max_pool2d(with_nan, 2, 2).item()));
}

TEST_CASE("gradcheck: max_pool2d (k2 s2, k3 s2 p1, ceil_mode, rectangular, batch 1)") {
  Generator g(21);
  gradcheck([](const std::vector<Tensor>& v) { return max_pool2d(v[0], 2, 2); },
            {distinct_input({2, 3, 6, 8}, g)});
  gradcheck([](const std::vector<Tensor>& v) { return max_pool2d(v[0], 2, 2); },
            {distinct_input({1, 2, 7, 9}, g)});
  gradcheck([](const std::vector<Tensor>& v) { return max_pool2d(v[0], 3, 2, 1); },
            {distinct_input({2, 2, 9, 11}, g)});
  gradcheck([](const std::vector<Tensor>& v) { return max_pool2d(v[0], 3, 2, 1, true); },
            {distinct_input({1, 2, 8, 8}, g)});
  gradcheck([](const std::vector<Tensor>& v) { return max_pool2d(v[0], 2, 2, 1, true); },
            {distinct_input({1, 1, 5, 7}, g)});
  gradcheck(
      [](const std::vector<Tensor>& v) {
        return max_pool2d(v[0], {2, 3}, {1, 2}, {1, 0});
      },
      {distinct_input({2, 2, 6, 7}, g)});
}

TEST_CASE("gradcheck: avg_pool2d with count_include_pad both ways, and global_avg_pool") {
  Generator g(22);
  for (bool include_pad : {true, false}) {
    CAPTURE(include_pad);
    gradcheck(
        [&](const std::vector<Tensor>& v) { return avg_pool2d(v[0], 2, 2, 0, false, include_pad); },
        {random_input({2, 3, 7, 9}, g)});
    gradcheck(
        [&](const std::vector<Tensor>& v) { return avg_pool2d(v[0], 3, 2, 1, false, include_pad); },
        {random_input({1, 2, 9, 11}, g)});
    gradcheck(
        [&](const std::vector<Tensor>& v) { return avg_pool2d(v[0], 3, 2, 1, true, include_pad); },
        {random_input({1, 2, 8, 8}, g)});
    gradcheck(
        [&](const std::vector<Tensor>& v) {
          return avg_pool2d(v[0], {3, 2}, {2, 1}, {1, 1}, true, include_pad);
        },
        {random_input({2, 1, 6, 5}, g)});
  }
  gradcheck([](const std::vector<Tensor>& v) { return global_avg_pool(v[0]); },
            {random_input({2, 3, 5, 7}, g)});
  gradcheck([](const std::vector<Tensor>& v) { return global_avg_pool(v[0]); },
            {random_input({1, 4, 1, 1}, g)});
}

TEST_CASE("avg_pool2d: count_include_pad decides the divisor at the border") {
  Tensor x = ones({1, 1, 2, 2});
  // 3x3 window, padding 1: the single output window covers 4 input values and 5 padded ones.
  CHECK(avg_pool2d(x, 3, 2, 1, false, true).item() == doctest::Approx(4.0 / 9.0));
  CHECK(avg_pool2d(x, 3, 2, 1, false, false).item() == 1.0f);
  CHECK(global_avg_pool(from_vector({1, 2, 3, 4, 10, 20, 30, 40}, {1, 2, 2, 2})).to_vector() ==
        std::vector<float>{2.5f, 25.0f});
}

TEST_CASE("golden: pooling forward and backward match PyTorch") {
  const SafetensorsFile file = testing::load_golden("pool");
  struct Case {
    const char* name;
    char kind;  // 'm'ax, 'a'vg, 'g'lobal
    Size2 kernel, stride, padding;
    bool ceil_mode, count_include_pad;
  };
  const std::vector<Case> cases{
      {"max_k2s2", 'm', 2, 2, 0, false, true},
      {"max_k3s2p1", 'm', 3, 2, 1, false, true},
      {"max_k3s2p1_ceil", 'm', 3, 2, 1, true, true},
      {"max_k2s2p1_ceil", 'm', 2, 2, 1, true, true},
      {"max_rect", 'm', {2, 3}, {1, 2}, {1, 0}, false, true},
      {"avg_k2s2", 'a', 2, 2, 0, false, true},
      {"avg_k3s2p1_incl", 'a', 3, 2, 1, false, true},
      {"avg_k3s2p1_excl", 'a', 3, 2, 1, false, false},
      {"avg_k3s2p1_ceil_incl", 'a', 3, 2, 1, true, true},
      {"avg_k3s2p1_ceil_excl", 'a', 3, 2, 1, true, false},
      {"avg_k2s2p1_ceil_excl", 'a', 2, 2, 1, true, false},
      {"global", 'g', 1, 1, 0, false, true},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    const std::string prefix = std::string(c.name) + ".";
    auto golden = [&](const char* key) { return golden_tensor(file, prefix + key); };
    Tensor x = golden("x").clone();
    x.set_requires_grad(true);
    Tensor y = c.kind == 'm' ? max_pool2d(x, c.kernel, c.stride, c.padding, c.ceil_mode)
               : c.kind == 'a'
                   ? avg_pool2d(x, c.kernel, c.stride, c.padding, c.ceil_mode, c.count_include_pad)
                   : global_avg_pool(x);
    y.backward(golden("grad_y"));
    if (c.kind == 'm') {
      // Max pooling only copies values and adds a few gradients: exact up to the order of
      // those additions.
      check_close(y, golden("y"), 0.0f, 0.0f, prefix + "y");
      check_close(x.grad(), golden("grad_x"), 1e-6f, 1e-7f, prefix + "grad_x");
    } else {
      // Window sums in a different order than PyTorch's.
      check_close(y, golden("y"), 1e-5f, 1e-6f, prefix + "y");
      check_close(x.grad(), golden("grad_x"), 1e-5f, 1e-6f, prefix + "grad_x");
    }
  }
}

TEST_CASE("a non-contiguous input gives the same result as its contiguous copy") {
  Generator g(23);
  Tensor x = uniform({2, 7, 3, 6}, -1.0f, 1.0f, g).permute({0, 2, 3, 1});  // [2, 3, 6, 7]
  REQUIRE_FALSE(x.is_contiguous());
  check_close(max_pool2d(x, 3, 2, 1), max_pool2d(x.contiguous(), 3, 2, 1), 0.0f, 0.0f, "max");
  check_close(avg_pool2d(x, 2, 2), avg_pool2d(x.contiguous(), 2, 2), 0.0f, 0.0f, "avg");
  check_close(global_avg_pool(x), global_avg_pool(x.contiguous()), 0.0f, 0.0f, "global");
}

TEST_CASE("bad input is a clear error") {
  Tensor x = zeros({1, 2, 4, 4});
  CHECK_THROWS_WITH_AS(
      max_pool2d(zeros({2, 4, 4}), 2, 2),
      doctest::Contains("max_pool2d: input [N, C, H, W] must be 4-D, got shape [2, 4, 4]"), Error);
  CHECK_THROWS_WITH_AS(avg_pool2d(zeros({2, 4, 4}), 2, 2),
                       doctest::Contains("avg_pool2d: input [N, C, H, W] must be 4-D"), Error);
  CHECK_THROWS_WITH_AS(global_avg_pool(zeros({2, 4})),
                       doctest::Contains("global_avg_pool: input [N, C, H, W] must be 4-D"), Error);
  CHECK_THROWS_WITH_AS(max_pool2d(x, 7, 1, 1),
                       doctest::Contains("kernel (7, 7) is larger than the padded input: input "
                                         "[1, 2, 4, 4] with padding (1, 1)"),
                       Error);
  CHECK_THROWS_WITH_AS(avg_pool2d(x, {2, 6}, 1),
                       doctest::Contains("kernel (2, 6) is larger than the padded input"), Error);
  CHECK_THROWS_WITH_AS(
      max_pool2d(x, 3, 1, 2),
      doctest::Contains("padding must be at most half the kernel size, got padding "
                        "(2, 2) for kernel (3, 3)"),
      Error);
  CHECK_THROWS_WITH_AS(avg_pool2d(x, 2, 2, -1), doctest::Contains("padding must be at most half"),
                       Error);
  CHECK_THROWS_WITH_AS(max_pool2d(x, 2, 0), doctest::Contains("stride must be positive"), Error);
  CHECK_THROWS_WITH_AS(max_pool2d(x, {0, 2}, 1), doctest::Contains("kernel size must be positive"),
                       Error);
  CHECK_THROWS_WITH_AS(max_pool2d(zeros({1, 2, 4, 4}, DType::i64), 2, 2),
                       doctest::Contains("max_pool2d: input must be float32"), Error);
  // Padding of exactly half the kernel is allowed, as in PyTorch.
  CHECK(max_pool2d(x, 2, 2, 1).shape() == Shape{1, 2, 3, 3});
}

// ---- the device backend, gpu_test_device() (cuda-emu; the GPU with LEUKO_TEST_GPU=1) -------

// Runs `pool` on the CPU and on the test device from the same input (and output gradient),
// and compares the outputs and the input gradients, both within rtol and atol.
static void check_pool_device_matches_cpu(const Tensor& x,
                                          const std::function<Tensor(Tensor)>& pool, float rtol,
                                          float atol) {
  testing::check_device_matches_cpu([&](const std::vector<Tensor>& v) { return pool(v[0]); }, {x},
                                    "pool", {rtol, atol, rtol, atol});
}

TEST_CASE("cuda-emu matches the CPU: max_pool2d and avg_pool2d, forward and backward") {
  Generator g(24);
  struct Case {
    Shape shape;
    Size2 kernel, stride, padding;
    bool ceil_mode;
  };
  // Outputs and inputs not multiples of the 256-thread block, overlapping windows (shared
  // winners), padding, ceil_mode windows hanging past the input, rectangles, batch 1, and
  // a 2x2 pool large enough for the CPU's OpenMP path, with an odd last row and column.
  for (const Case& c :
       {Case{{2, 3, 9, 11}, 2, 2, 0, false}, Case{{2, 5, 67, 101}, 2, 2, 0, false},
        Case{{2, 3, 9, 11}, 3, 2, 1, false}, Case{{1, 2, 10, 7}, 3, 2, 0, true},
        Case{{1, 2, 10, 7}, 3, 1, 1, false}, Case{{2, 1, 8, 13}, {2, 3}, {1, 2}, {1, 0}, true}}) {
    CAPTURE(to_string(c.shape));
    CAPTURE(c.kernel.h);
    CAPTURE(c.stride.h);
    CAPTURE(c.padding.h);
    CAPTURE(c.ceil_mode);
    // Max pooling picks and routes values, the same ones on both devices: exact.
    check_pool_device_matches_cpu(
        distinct_input(c.shape, g),
        [&](const Tensor& x) { return max_pool2d(x, c.kernel, c.stride, c.padding, c.ceil_mode); },
        0.0f, 0.0f);
    for (const bool count_include_pad : {true, false}) {
      CAPTURE(count_include_pad);
      // Both devices sum a window's columns, then across them, in the same order: the same
      // float operations, so 1e-6 only leaves room for the compilers' instruction choices.
      check_pool_device_matches_cpu(
          random_input(c.shape, g),
          [&](const Tensor& x) {
            return avg_pool2d(x, c.kernel, c.stride, c.padding, c.ceil_mode, count_include_pad);
          },
          1e-6f, 1e-7f);
    }
  }
}

TEST_CASE("cuda-emu matches the CPU: global_avg_pool, forward and backward") {
  Generator g(25);
  // Planes not a multiple of the 8 per block, planes longer and shorter than a warp.
  for (const Shape& shape : std::vector<Shape>{{3, 3, 5, 7}, {1, 1, 1, 1}, {2, 5, 9, 9}}) {
    CAPTURE(to_string(shape));
    // The kernel sums a plane in float with a warp's tree; the CPU in double.
    check_pool_device_matches_cpu(
        random_input(shape, g), [](const Tensor& x) { return global_avg_pool(x); }, 1e-5f, 1e-6f);
  }
}

TEST_CASE("GPU device: max_pool2d follows the CPU's tie and NaN rules") {
  const Device device = testing::gpu_test_device();
  // Ties: the first maximum in row-major order wins, and gets the whole gradient.
  Tensor ties = from_vector({1, 3, 3, 0, 3, 3, 2, 1, 0}, {1, 1, 3, 3});
  // A NaN in a window wins and propagates.
  Tensor with_nan = from_vector({1, 2, NAN, 0, 5, 6, 7, 8, 9}, {1, 1, 3, 3});
  for (const Tensor& x : {ties, with_nan}) {
    Tensor x_cpu = x.clone().set_requires_grad(true);
    Tensor x_gpu = x.detach().to(device).set_requires_grad(true);
    Tensor y_cpu = max_pool2d(x_cpu, 2, 1), y_gpu = max_pool2d(x_gpu, 2, 1);
    const std::vector<float> expected = y_cpu.to_vector(), actual = y_gpu.to_vector();
    REQUIRE(actual.size() == expected.size());
    for (size_t i = 0; i < actual.size(); ++i) {
      CHECK((actual[i] == expected[i] || (std::isnan(actual[i]) && std::isnan(expected[i]))));
    }
    y_cpu.backward(ones(y_cpu.shape()));
    y_gpu.backward(ones(y_cpu.shape(), device));
    CHECK(x_gpu.grad().to_vector() == x_cpu.grad().to_vector());
  }
  // Every window's maximum is a 3; the first 3 of each window is at index 1 or 4.
  Tensor x_gpu = ties.detach().to(device).set_requires_grad(true);
  Tensor y_gpu = max_pool2d(x_gpu, 2, 1);
  CHECK(y_gpu.to_vector() == std::vector<float>{3, 3, 3, 3});
  y_gpu.backward(ones({1, 1, 2, 2}, device));
  CHECK(x_gpu.grad().to_vector() == std::vector<float>{0, 2, 0, 0, 2, 0, 0, 0, 0});
}
