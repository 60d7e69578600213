#include "engine/error.h"
#include "engine/ops.h"
#include "tests/support/device_compare.h"
#include "tests/support/testing.h"

using namespace leuko;
using namespace leuko::testing;

TEST_CASE("forward values along dims 0 and 1, and a negative dim") {
  Tensor a = from_vector({1, 2, 3, 4}, {2, 2});
  Tensor b = from_vector({5, 6}, {2, 1});
  Tensor c = from_vector({7, 8}, {1, 2});
  CHECK(concat({a, b}, 1).to_vector() == std::vector<float>{1, 2, 5, 3, 4, 6});
  CHECK(concat({a, b}, 1).shape() == Shape{2, 3});
  CHECK(concat({a, b}, -1).to_vector() == std::vector<float>{1, 2, 5, 3, 4, 6});
  CHECK(concat({a, c, a}, 0).to_vector() == std::vector<float>{1, 2, 3, 4, 7, 8, 1, 2, 3, 4});
  CHECK(concat({a}, 0).to_vector() == a.to_vector());
}

TEST_CASE("gradcheck: three inputs along dims 0, 1 and 3") {
  Generator g(31);
  auto cat_along = [](int64_t dim) {
    return [dim](const std::vector<Tensor>& v) { return concat(v, dim); };
  };
  gradcheck(cat_along(0), {random_input({1, 3, 2, 2}, g), random_input({2, 3, 2, 2}, g),
                           random_input({3, 3, 2, 2}, g)});
  gradcheck(cat_along(1), {random_input({2, 1, 3, 3}, g), random_input({2, 4, 3, 3}, g),
                           random_input({2, 2, 3, 3}, g)});
  gradcheck(cat_along(3), {random_input({2, 3, 2, 5}, g), random_input({2, 3, 2, 1}, g),
                           random_input({2, 3, 2, 3}, g)});
}

TEST_CASE("backward cuts the gradient into the inputs' pieces, frozen inputs get none") {
  Tensor a = zeros({2, 1});
  Tensor b = zeros({2, 2});
  a.set_requires_grad(true);
  Tensor y = concat({a, b}, 1);  // b needs no gradient
  y.backward(from_vector({1, 2, 3, 4, 5, 6}, {2, 3}));
  CHECK(a.grad().to_vector() == std::vector<float>{1, 4});
  CHECK_FALSE(b.grad().defined());
}

TEST_CASE("non-contiguous inputs are read through their strides") {
  Generator g(32);
  Tensor a = uniform({3, 4}, -1.0f, 1.0f, g).transpose(0, 1);  // [4, 3]
  Tensor b = uniform({4, 2}, -1.0f, 1.0f, g);
  REQUIRE_FALSE(a.is_contiguous());
  check_close(concat({a, b}, 1), concat({a.contiguous(), b}, 1), 0.0f, 0.0f, "strided");
}

TEST_CASE("bad input is a clear error") {
  CHECK_THROWS_WITH_AS(
      concat({zeros({2, 3, 4}), zeros({2, 5, 4}), zeros({3, 1, 4})}, 1),
      doctest::Contains("concat: input 2 has shape [3, 1, 4] but input 0 has shape "
                        "[2, 3, 4]; all dimensions except dim 1 must match"),
      Error);
  CHECK_THROWS_WITH_AS(
      concat({zeros({2, 3}), zeros({2, 3, 1})}, 0),
      doctest::Contains("input 1 has shape [2, 3, 1] but input 0 has shape [2, 3]"), Error);
  CHECK_THROWS_WITH_AS(concat({}, 0), doctest::Contains("concat: needs at least one tensor"),
                       Error);
  CHECK_THROWS_WITH_AS(
      concat({zeros({2, 3}), zeros({2, 3})}, 2),
      doctest::Contains("concat: dimension 2 out of range for input 0 of shape [2, 3]"), Error);
  CHECK_THROWS_WITH_AS(concat({zeros({2, 3}), zeros({2, 3}, DType::i64)}, 0),
                       doctest::Contains("concat: input must be float32, got int64"), Error);
  CHECK_THROWS_WITH_AS(concat({scalar(1.0f), scalar(2.0f)}, 0),
                       doctest::Contains("at least one dimension"), Error);
}

// ---- GPU backend (kernels/cuda/concat.cu) ----------------------------------------------

// A pure copy in both directions: exact agreement (tolerance 0).
TEST_CASE("cuda-emu matches the CPU: concat along each dim, forward and backward") {
  leuko::Generator g(71);
  const leuko::testing::DeviceCompareOptions exact{0.0f, 0.0f, 0.0f, 0.0f};
  const Tensor a = random_input({2, 3, 5}, g), b = random_input({2, 4, 5}, g);
  leuko::testing::check_device_matches_cpu(
      [](const std::vector<Tensor>& in) {
        return concat({in[0], in[1], in[0]}, 1);
      },
      {a, b}, "concat dim 1 (an input used twice)", exact);
  const Tensor c = random_input({1, 3, 5}, g), d = random_input({2, 3, 7}, g);
  leuko::testing::check_device_matches_cpu(
      [](const std::vector<Tensor>& in) {
        return concat({in[0], in[1]}, 0);
      },
      {a, c}, "concat dim 0, batch 1", exact);
  leuko::testing::check_device_matches_cpu(
      [](const std::vector<Tensor>& in) {
        return concat({in[0], in[1].transpose(0, 1)}, -1);
      },
      {a, random_input({3, 2, 4}, g)}, "concat of a transposed view, dim -1", exact);
  const Tensor frozen = uniform({2, 3, 7}, -1.0f, 1.0f, g);  // needs no gradient
  leuko::testing::check_device_matches_cpu(
      [](const std::vector<Tensor>& in) {
        return concat({in[0], in[1]}, 2);
      },
      {d, frozen}, "concat with a frozen input", exact);
}

TEST_CASE("concat refuses tensors on different devices") {
  CHECK_THROWS_WITH_AS(concat({ones({2}), ones({2}, leuko::testing::gpu_test_device())}, 0),
                       doctest::Contains("concat: tensors on different devices"), Error);
}
