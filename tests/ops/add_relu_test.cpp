#include <cmath>

#include "engine/autograd.h"
#include "engine/error.h"
#include "engine/ops.h"
#include "tests/support/device_compare.h"
#include "tests/support/testing.h"

using namespace leuko;
using namespace leuko::testing;

// b with every a + b at least 0.05 away from 0, so finite differences (eps 1e-3) never
// straddle the ReLU's kink.
static Tensor away_from_kink(const Tensor& a, Tensor b) {
  const std::vector<float> av = a.to_vector();
  float* bv = b.data<float>();
  for (int64_t i = 0; i < b.numel(); ++i) {
    const float sum = av[i] + bv[i];
    if (std::fabs(sum) < 0.05f) bv[i] += sum < 0.0f ? -0.1f : 0.1f;
  }
  return b;
}

TEST_CASE("forward and backward: hand-computed values") {
  Tensor a = from_vector({-2.0f, 1.0f, 0.5f, 3.0f, -1.0f, 0.25f}, {2, 3});
  Tensor b = from_vector({1.0f, -1.0f, 0.5f, -4.0f, 2.0f, 0.5f}, {2, 3});
  a.set_requires_grad(true);
  b.set_requires_grad(true);
  const Tensor y = add_relu(a, b);
  // Sums -1, 0, 1, -1, 1, 0.75: exact in float.
  CHECK(y.to_vector() == std::vector<float>{0.0f, 0.0f, 1.0f, 0.0f, 1.0f, 0.75f});
  y.backward(from_vector({1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f}, {2, 3}));
  // The gradient passes where the output is positive (0 at the kink, as PyTorch), to both.
  const std::vector<float> expected{0.0f, 0.0f, 3.0f, 0.0f, 5.0f, 6.0f};
  CHECK(a.grad().to_vector() == expected);
  CHECK(b.grad().to_vector() == expected);
}

TEST_CASE("equals relu(a + b), values and gradients, large input split over threads") {
  Generator g(41);
  // Odd sizes, one element, and 100003 elements: past the threading threshold, not a multiple
  // of the vector width.
  for (const Shape& shape : std::vector<Shape>{{1}, {3, 5, 7}, {100003}}) {
    CAPTURE(to_string(shape));
    Tensor a = random_input(shape, g), b = random_input(shape, g);
    const Tensor grad = random_input(shape, g).detach();
    const Tensor fused = add_relu(a, b);
    fused.backward(grad);
    const Tensor fused_grad_a = a.grad(), fused_grad_b = b.grad();
    a.zero_grad();
    b.zero_grad();
    const Tensor composed = relu(add(a, b));
    composed.backward(grad);
    // One float add and a select per element either way: exact.
    check_close(fused, composed, 0.0f, 0.0f, "output");
    check_close(fused_grad_a, a.grad(), 0.0f, 0.0f, "grad a");
    check_close(fused_grad_b, b.grad(), 0.0f, 0.0f, "grad b");
  }
}

TEST_CASE("gradcheck: odd sizes, batch 1, one input without grad") {
  Generator g(42);
  for (const Shape& shape : std::vector<Shape>{{7}, {2, 3, 5}, {1, 4, 3, 3}}) {
    CAPTURE(to_string(shape));
    const Tensor a = random_input(shape, g);
    const Tensor b = away_from_kink(a, random_input(shape, g));
    gradcheck([](const std::vector<Tensor>& v) { return add_relu(v[0], v[1]); }, {a, b});
    const Tensor constant = b.detach().clone();
    gradcheck([&](const std::vector<Tensor>& v) { return add_relu(v[0], constant); }, {a});
  }
}

TEST_CASE("a strided input gives the values and gradients of its dense copy") {
  Generator g(43);
  const Tensor base = random_input({4, 6}, g);
  const Tensor view = base.transpose(0, 1);  // [6, 4], strided
  REQUIRE_FALSE(view.is_contiguous());
  const Tensor other = random_input({6, 4}, g).detach();
  check_close(add_relu(view, other), relu(add(view.clone(), other)), 0.0f, 0.0f, "transposed view");
  sum(add_relu(view, other)).backward();
  const Tensor passed = relu(add(view.detach().clone(), other));
  const std::vector<float> p = passed.transpose(0, 1).contiguous().to_vector();
  const std::vector<float> grad = base.grad().to_vector();
  for (size_t i = 0; i < p.size(); ++i) CHECK(grad[i] == (p[i] > 0.0f ? 1.0f : 0.0f));
}

// On gpu_test_device(): the SIMT emulator, or the GPU with LEUKO_TEST_GPU=1.
TEST_CASE("GPU device matches the CPU (add_relu kernels), odd sizes and tails") {
  Generator g(44);
  // One element, one block and one more (256 threads), several blocks with a tail.
  for (const Shape& shape : std::vector<Shape>{{1}, {257}, {3, 5, 7, 11}, {2, 64, 9, 9}}) {
    CAPTURE(to_string(shape));
    // One float add and a select per element on both devices: exact.
    check_device_matches_cpu([](const std::vector<Tensor>& v) { return add_relu(v[0], v[1]); },
                             {random_input(shape, g), random_input(shape, g)}, "add_relu",
                             {0.0f, 0.0f, 0.0f, 0.0f});
  }
}

TEST_CASE("errors: shapes must match exactly (no broadcasting), float32, one device") {
  CHECK_THROWS_WITH_AS(add_relu(zeros({2, 3}), zeros({3})),
                       doctest::Contains("add_relu: a and b must have the same shape (no "
                                         "broadcasting), got [2, 3] and [3]"),
                       leuko::Error);
  CHECK_THROWS_WITH_AS(add_relu(zeros({2, 3}), zeros({2, 3}, DType::i64)),
                       doctest::Contains("add_relu: b must be float32, got int64"), leuko::Error);
  CHECK_THROWS_WITH_AS(add_relu(Tensor(), zeros({2})),
                       doctest::Contains("add_relu: a is undefined"), leuko::Error);
  CHECK_THROWS_WITH_AS(
      add_relu(zeros({2}), zeros({2}, DType::f32, Device::cuda_emu)),
      doctest::Contains("add_relu: tensors on different devices (cpu and cuda-emu)"), leuko::Error);
}
