#include "engine/error.h"
#include "engine/ops.h"
#include "tests/support/device_compare.h"
#include "tests/support/testing.h"

using namespace leuko;
using namespace leuko::testing;

TEST_CASE("linear: hand-computed values, with and without bias") {
  Tensor x = from_vector({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor w = from_vector({1, 0, 0, 1, 1, 1}, {2, 3});  // feature 0 copies x0, feature 1 sums
  CHECK(linear(x, w).to_vector() == std::vector<float>{1, 6, 4, 15});
  CHECK(linear(x, w, from_vector({10, -1}, {2})).to_vector() == std::vector<float>{11, 5, 14, 14});
}

TEST_CASE("gradcheck: linear with and without bias, one row and a batch") {
  Generator g(61);
  gradcheck([](const std::vector<Tensor>& v) { return linear(v[0], v[1], v[2]); },
            {random_input({4, 7}, g), random_input({3, 7}, g), random_input({3}, g)});
  gradcheck([](const std::vector<Tensor>& v) { return linear(v[0], v[1]); },
            {random_input({1, 5}, g), random_input({6, 5}, g)});
  gradcheck([](const std::vector<Tensor>& v) { return linear(v[0], v[1], v[2]); },
            {random_input({9, 16}, g), random_input({5, 16}, g), random_input({5}, g)});
}

TEST_CASE("linear matches PyTorch: output and input, weight, bias gradients (golden)") {
  const SafetensorsFile file = testing::load_golden("linear");
  for (const char* name : {"small", "row_nobias", "batch16"}) {
    CAPTURE(name);
    const std::string key = name;
    // float64 reference; float32 dot products of at most 64 terms in (-1, 1).
    testing::check_layer_against_golden(
        file, key,
        [](const Tensor& x, const Tensor& w, const Tensor& b) { return linear(x, w, b); }, 1e-5f,
        1e-5f);
  }
}

TEST_CASE("linear equals matmul with the transposed weight plus the bias") {
  Generator g(62);
  Tensor x = uniform({37, 130}, -1, 1, g), w = uniform({70, 130}, -1, 1, g);
  Tensor b = uniform({70}, -1, 1, g);
  // Large enough that gemm splits the product over the threads. Same products, but the bias
  // is added before the sum here and after it there: equal to float32 rounding.
  check_close(linear(x, w, b), matmul(x, w.transpose(0, 1)) + b, 1e-5f, 1e-5f, "linear");
}

TEST_CASE("linear computes only the gradients its inputs need") {
  Generator g(63);
  Tensor x = uniform({3, 4}, -1, 1, g);
  Tensor w = random_input({2, 4}, g);
  Tensor b = uniform({2}, -1, 1, g);
  sum(linear(x, w, b)).backward();
  CHECK(w.grad().defined());
  CHECK_FALSE(x.grad().defined());
  CHECK_FALSE(b.grad().defined());
}

TEST_CASE("linear rejects bad input with clear messages") {
  CHECK_THROWS_WITH_AS(linear(zeros({2, 5}), zeros({3, 4})),
                       doctest::Contains("linear: input has 5 features, weight expects 4"), Error);
  CHECK_THROWS_WITH_AS(
      linear(zeros({2, 4}), zeros({3, 4}), zeros({4})),
      doctest::Contains("linear: bias must be [3] (one per output feature), got [4]"), Error);
  CHECK_THROWS_WITH_AS(linear(zeros({2, 1, 4}), zeros({3, 4})),
                       doctest::Contains("linear: input [N, in] must be 2-D, got shape [2, 1, 4]"),
                       Error);
  CHECK_THROWS_WITH_AS(linear(zeros({2, 4}), zeros({4})),
                       doctest::Contains("linear: weight [out, in] must be 2-D"), Error);
  CHECK_THROWS_WITH_AS(linear(zeros({2, 4}, DType::i64), zeros({3, 4})),
                       doctest::Contains("linear: input must be"), Error);
}

// ---- the device backend, gpu_test_device() (cuda-emu; the GPU with LEUKO_TEST_GPU=1) -------

// linear forward and its gradients on the test device vs the CPU. Tolerance: the device
// sums the products in another order than OpenBLAS (float32 rounding of sums of up to 70
// terms).
static void check_linear_device_matches_cpu(int64_t rows, int64_t in, int64_t out, bool with_bias,
                                            uint64_t seed) {
  Generator g(seed);
  std::vector<Tensor> inputs{random_input({rows, in}, g), random_input({out, in}, g)};
  if (with_bias) inputs.push_back(random_input({out}, g));
  testing::check_gemm_device_matches_cpu(
      [&](const std::vector<Tensor>& v) { return linear(v[0], v[1], with_bias ? v[2] : Tensor()); },
      inputs, "linear", {1e-4f, 1e-5f, 1e-4f, 1e-5f});
}

TEST_CASE("cuda-emu matches the CPU: linear with bias, more features than a tile") {
  check_linear_device_matches_cpu(5, 37, 70, true, 41);
}

TEST_CASE("cuda-emu matches the CPU: linear without bias, batch 1") {
  check_linear_device_matches_cpu(1, 8, 3, false, 42);
}

TEST_CASE("linear rejects tensors on different devices") {
  CHECK_THROWS_WITH_AS(linear(zeros({2, 3}, DType::f32, Device::cuda_emu), zeros({4, 3})),
                       doctest::Contains("linear: tensors on different devices"), Error);
}
