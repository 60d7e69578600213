#include <array>

#include "engine/error.h"
#include "engine/ops.h"
#include "kernels/cpu/matmul.h"
#include "tests/support/device_compare.h"
#include "tests/support/testing.h"

using namespace leuko;
using namespace leuko::testing;

// out [m, n] = a [m, k] x b [k, n] by matmul's readable reference (the triple loop of
// kernels/cpu/matmul_reference.cpp).
static Tensor reference_matmul(const std::vector<float>& a, const std::vector<float>& b, int64_t m,
                               int64_t k, int64_t n) {
  Tensor out = zeros({m, n});
  cpu::reference::matmul_forward(a.data(), b.data(), out.data<float>(), 1, m, k, n);
  return out;
}

TEST_CASE("matmul: hand-computed 2-D and batched products") {
  Tensor a = from_vector({1, 2, 3, 4}, {2, 2});
  Tensor b = from_vector({5, 6, 7, 8}, {2, 2});
  CHECK(matmul(a, b).to_vector() == std::vector<float>{19, 22, 43, 50});
  Tensor row = from_vector({1, 2, 3}, {1, 3});
  Tensor col = from_vector({4, 5, 6}, {3, 1});
  CHECK(matmul(row, col).to_vector() == std::vector<float>{32});
  CHECK(matmul(col, row).shape() == Shape{3, 3});
  Tensor batch_a = from_vector({1, 0, 0, 1, 2, 0, 0, 2}, {2, 2, 2});  // I, 2I
  Tensor batch_b = from_vector({1, 2, 3, 4, 1, 2, 3, 4}, {2, 2, 2});
  CHECK(matmul(batch_a, batch_b).to_vector() == std::vector<float>{1, 2, 3, 4, 2, 4, 6, 8});
}

TEST_CASE("gradcheck: matmul 2-D, batched, and with a transposed (strided) operand") {
  Generator g(51);
  gradcheck([](const std::vector<Tensor>& v) { return matmul(v[0], v[1]); },
            {random_input({5, 7}, g), random_input({7, 3}, g)});
  gradcheck([](const std::vector<Tensor>& v) { return matmul(v[0], v[1]); },
            {random_input({1, 4}, g), random_input({4, 6}, g)});
  gradcheck([](const std::vector<Tensor>& v) { return matmul(v[0], v[1]); },
            {random_input({3, 4, 6}, g), random_input({3, 6, 5}, g)});
  gradcheck([](const std::vector<Tensor>& v) { return matmul(v[0], v[1].transpose(0, 1)); },
            {random_input({4, 6}, g), random_input({5, 6}, g)});
}

TEST_CASE("matmul matches PyTorch: output and both gradients (golden)") {
  const SafetensorsFile file = testing::load_golden("matmul");
  for (const char* name : {"2d", "3d", "2d_tall"}) {
    CAPTURE(name);
    const std::string key = name;
    Tensor a = golden_tensor(file, key + ".a").clone().set_requires_grad(true);
    Tensor b = golden_tensor(file, key + ".b").clone().set_requires_grad(true);
    Tensor y = matmul(a, b);
    y.backward(golden_tensor(file, key + ".grad_y"));
    // float64 reference; float32 dot products of at most 40 terms in (-1, 1).
    check_close(y, golden_tensor(file, key + ".y"), 1e-5f, 1e-5f, key + ".y");
    check_close(a.grad(), golden_tensor(file, key + ".grad_a"), 1e-5f, 1e-5f, key + ".grad_a");
    check_close(b.grad(), golden_tensor(file, key + ".grad_b"), 1e-5f, 1e-5f, key + ".grad_b");
  }
}

TEST_CASE("matmul split over threads (tall and wide products) matches the triple loop") {
  Generator g(52);
  // Both are above the size at which gemm splits C over the OpenMP threads: one by rows
  // (m >= n), one by columns, with row/column counts that are not multiples of 16.
  for (auto [m, k, n] : std::vector<std::array<int64_t, 3>>{{203, 90, 61}, {37, 120, 301}}) {
    CAPTURE(m);
    Tensor a = random_input({m, k}, g), b = random_input({k, n}, g);
    Tensor y = matmul(a, b);
    // Dot products of 90-120 float32 terms: 1e-5 relative plus 1e-5 absolute for
    // near-cancelling entries.
    check_close(y, reference_matmul(a.to_vector(), b.to_vector(), m, k, n), 1e-5f, 1e-5f, "y");
    Tensor dy = uniform(y.shape(), -1, 1, g);
    y.backward(dy);
    // dA = dY x B^T and dB = A^T x dY, by the same triple loop on transposed copies.
    check_close(
        a.grad(),
        reference_matmul(dy.to_vector(), b.transpose(0, 1).contiguous().to_vector(), m, n, k),
        1e-5f, 1e-5f, "grad_a");
    check_close(
        b.grad(),
        reference_matmul(a.transpose(0, 1).contiguous().to_vector(), dy.to_vector(), k, m, n),
        1e-5f, 1e-5f, "grad_b");
  }
}

TEST_CASE("matmul rejects bad input with clear messages naming both shapes") {
  CHECK_THROWS_WITH_AS(
      matmul(zeros({2, 3}), zeros({4, 5})),
      doctest::Contains("matmul: inner dimensions differ (3 vs 4): [2, 3] x [4, 5]"), Error);
  CHECK_THROWS_WITH_AS(
      matmul(zeros({2, 2, 3}), zeros({3, 3, 5})),
      doctest::Contains("matmul: batch sizes differ (2 vs 3): [2, 2, 3] x [3, 3, 5]"), Error);
  CHECK_THROWS_WITH_AS(matmul(zeros({2, 3}), zeros({2, 3, 5})),
                       doctest::Contains("must both be 2-D [M, K] x [K, N] or both 3-D"), Error);
  CHECK_THROWS_WITH_AS(matmul(zeros({3}), zeros({3})), doctest::Contains("got [3] x [3]"), Error);
  CHECK_THROWS_WITH_AS(matmul(zeros({2, 3}, DType::i64), zeros({3, 2})),
                       doctest::Contains("matmul: first operand must be"), Error);
}

// ---- the device backend, gpu_test_device() (cuda-emu; the GPU with LEUKO_TEST_GPU=1) -------

// matmul forward and both gradients on the test device vs the CPU. Tolerance: the tiled
// GEMM sums the k products in another order than OpenBLAS; float32 rounding of sums of up
// to 70 terms of size ~1.
static void check_matmul_device_matches_cpu(const Shape& a_shape, const Shape& b_shape,
                                            uint64_t seed) {
  Generator g(seed);
  testing::check_gemm_device_matches_cpu(
      [](const std::vector<Tensor>& v) { return matmul(v[0], v[1]); },
      {random_input(a_shape, g), random_input(b_shape, g)}, "matmul", {1e-4f, 1e-5f, 1e-4f, 1e-5f});
}

TEST_CASE("cuda-emu matches the CPU: matmul with tails in M, N and K") {
  // 67 x 70 spans 2 x 2 tiles of 64 with tails; k = 33 is three K slices of 16.
  check_matmul_device_matches_cpu({67, 33}, {33, 70}, 31);
  check_matmul_device_matches_cpu({1, 5}, {5, 1}, 32);
}

TEST_CASE("cuda-emu matches the CPU: batched matmul, batch 1 and 3") {
  check_matmul_device_matches_cpu({3, 5, 17}, {3, 17, 9}, 33);
  check_matmul_device_matches_cpu({1, 7, 2}, {1, 2, 11}, 34);
}

TEST_CASE("matmul rejects tensors on different devices") {
  CHECK_THROWS_WITH_AS(matmul(zeros({2, 3}), zeros({3, 2}, DType::f32, Device::cuda_emu)),
                       doctest::Contains("matmul: tensors on different devices"), Error);
}
