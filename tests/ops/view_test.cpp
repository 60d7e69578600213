// The view ops (engine/ops/view.cpp): reshape, flatten, permute, transpose, slice,
// contiguous, expand and sum_to. They move no data (but contiguous and the reshape of a
// strided tensor, which copy), so they have no kernels of their own: their forward is index
// arithmetic, their backward another view op or a copy, on every device.
#include <functional>

#include "engine/error.h"
#include "engine/ops.h"
#include "tests/support/device_compare.h"
#include "tests/support/testing.h"

using namespace leuko;
using namespace leuko::testing;

namespace {

using ViewFn = std::function<Tensor(const std::vector<Tensor>&)>;

Tensor arange_tensor(const Shape& shape) {
  std::vector<float> values(static_cast<size_t>(shape_numel(shape)));
  for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i);
  return from_vector(values, shape);
}

// Every view op once, on a [2, 3, 4] input (a strided one where the op reads strides).
const std::vector<std::pair<const char*, ViewFn>>& view_cases() {
  static const std::vector<std::pair<const char*, ViewFn>> cases{
      {"reshape [4, -1]",
       [](const auto& in) {
         return reshape(in[0], {4, -1});
       }},
      {"reshape of a transposed view",
       [](const auto& in) {
         return reshape(transpose(in[0], 0, 2), {12, 2});
       }},
      {"flatten 1..2", [](const auto& in) { return flatten(in[0], 1, 2); }},
      {"permute [2, 0, 1]",
       [](const auto& in) {
         return permute(in[0], {2, 0, 1});
       }},
      {"transpose 0, -1", [](const auto& in) { return transpose(in[0], 0, -1); }},
      {"slice dim 2, 1..4 step 2", [](const auto& in) { return slice(in[0], 2, 1, 4, 2); }},
      {"slice of a permuted view, negative bounds",
       [](const auto& in) {
         return slice(permute(in[0], {1, 0, 2}), 0, -2, -1);
       }},
      {"contiguous of a transposed view",
       [](const auto& in) { return contiguous(transpose(in[0], 1, 2)); }},
      {"expand [2, 3, 1] slice to [2, 2, 3, 4]",
       [](const auto& in) {
         return expand(slice(in[0], 2, 0, 1), {2, 2, 3, 4});
       }},
      {"sum_to [3, 1]",
       [](const auto& in) {
         return sum_to(in[0], {3, 1});
       }},
  };
  return cases;
}

}  // namespace

TEST_CASE("forward values: each view reads the elements PyTorch's would") {
  const Tensor x = arange_tensor({2, 3, 4});  // x[i, j, k] = 12 i + 4 j + k
  CHECK(reshape(x, {4, -1}).shape() == Shape{4, 6});
  CHECK(reshape(x, {4, -1}).to_vector() == x.to_vector());
  CHECK(flatten(x).shape() == Shape{2, 12});
  CHECK(flatten(x, 0, 1).shape() == Shape{6, 4});
  CHECK(flatten(scalar(5.0f)).to_vector() == std::vector<float>{5});
  const Tensor p = permute(x, {2, 0, 1});  // p[k, i, j] = x[i, j, k]
  CHECK(p.shape() == Shape{4, 2, 3});
  CHECK(p.to_vector() == std::vector<float>{0, 4, 8,  12, 16, 20, 1, 5, 9,  13, 17, 21,
                                            2, 6, 10, 14, 18, 22, 3, 7, 11, 15, 19, 23});
  CHECK(transpose(x, 0, 2).to_vector() == permute(x, {2, 1, 0}).to_vector());
  CHECK(slice(x, 2, 1, 4, 2).to_vector() ==
        std::vector<float>{1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23});
  CHECK(slice(x, 1, -2, 100).shape() == Shape{2, 2, 4});  // bounds clamp, negatives count back
  CHECK(slice(x, 0, 1, 1).shape() == Shape{0, 3, 4});
  const Tensor column = from_vector({1, 2, 3}, {3, 1});
  CHECK(expand(column, {2, 3, 2}).to_vector() ==
        std::vector<float>{1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3});
  CHECK(sum_to(x, {1, 4}).to_vector() == std::vector<float>{60, 66, 72, 78});
  CHECK(sum_to(x, {3, 1}).to_vector() == std::vector<float>{60, 92, 124});
  const Tensor t = transpose(x, 1, 2);
  REQUIRE_FALSE(t.is_contiguous());
  CHECK(contiguous(t).is_contiguous());
  CHECK(contiguous(t).to_vector() == t.to_vector());
}

TEST_CASE("gradcheck: every view op, including views of strided views") {
  Generator g(41);
  for (const auto& [what, f] : view_cases()) {
    CAPTURE(what);
    gradcheck(f, {random_input({2, 3, 4}, g)});
  }
}

TEST_CASE("backward: a slice's gradient is zero outside it, expand's the sum of its copies") {
  Tensor x = zeros({2, 3});
  x.set_requires_grad(true);
  slice(x, 1, 1, 3).backward(from_vector({1, 2, 3, 4}, {2, 2}));
  CHECK(x.grad().to_vector() == std::vector<float>{0, 1, 2, 0, 3, 4});
  Tensor c = zeros({3, 1});
  c.set_requires_grad(true);
  expand(c, {2, 3, 2}).backward(arange_tensor({2, 3, 2}));
  CHECK(c.grad().to_vector() == std::vector<float>{0 + 1 + 6 + 7, 2 + 3 + 8 + 9, 4 + 5 + 10 + 11});
}

// The views share storage on a GPU device as on the CPU; contiguous, strided reshape and
// sum_to run the copy and reduction kernels. Pure data movement: exact agreement.
TEST_CASE("cuda-emu matches the CPU: every view op, forward and backward") {
  Generator g(42);
  const leuko::testing::DeviceCompareOptions exact{0.0f, 0.0f, 0.0f, 0.0f};
  for (const auto& [what, f] : view_cases()) {
    // sum_to adds in another order on the GPU (a reduction kernel): float rounding only.
    const bool reduces = std::string(what).rfind("sum_to", 0) == 0;
    check_device_matches_cpu(f, {random_input({2, 3, 4}, g)}, what,
                             reduces ? leuko::testing::DeviceCompareOptions{} : exact);
  }
}

TEST_CASE("views of a GPU tensor stay on its device and share its storage") {
  const Device device = leuko::testing::gpu_test_device();
  const Tensor x = arange_tensor({2, 3, 4}).to(device);
  const Tensor t = transpose(x, 0, 2), s = slice(x, 1, 1, 3);
  CHECK(t.device() == device);
  CHECK(t.impl()->storage == x.impl()->storage);
  CHECK(s.impl()->storage == x.impl()->storage);
  CHECK(contiguous(t).device() == device);
  CHECK(contiguous(t).to_vector() == transpose(arange_tensor({2, 3, 4}), 0, 2).to_vector());
  s.fill_(-1.0f);  // writes through the view, on the device
  CHECK(slice(x, 1, 1, 3).to_vector() == std::vector<float>(16, -1.0f));
  CHECK(slice(x, 1, 0, 1).to_vector() == slice(arange_tensor({2, 3, 4}), 1, 0, 1).to_vector());
}

TEST_CASE("bad input is a clear error") {
  const Tensor x = zeros({2, 3, 4});
  CHECK_THROWS_WITH_AS(reshape(x, {5, -1}),
                       doctest::Contains("reshape: cannot view shape [2, 3, 4] (24 elements) as "
                                         "[5, -1]"),
                       Error);
  CHECK_THROWS_WITH_AS(reshape(x, {-1, -1}),
                       doctest::Contains("reshape: only one dimension may be -1"), Error);
  CHECK_THROWS_WITH_AS(flatten(x, 2, 1),
                       doctest::Contains("flatten: start_dim 2 is after end_dim 1"), Error);
  CHECK_THROWS_WITH_AS(permute(x, {0, 1}),
                       doctest::Contains("permute: got 2 dims for a 3-D tensor"), Error);
  CHECK_THROWS_WITH_AS(permute(x, {0, 1, 1}), doctest::Contains("permute: dimension 1 repeated"),
                       Error);
  CHECK_THROWS_WITH_AS(transpose(x, 0, 3),
                       doctest::Contains("transpose: dimension 3 out of range for a 3-D tensor"),
                       Error);
  CHECK_THROWS_WITH_AS(slice(x, 1, 0, 2, 0),
                       doctest::Contains("slice: step must be positive, got 0"), Error);
  CHECK_THROWS_WITH_AS(expand(x, {2, 5, 4}),
                       doctest::Contains("expand: shapes [2, 3, 4] and [2, 5, 4] cannot be "
                                         "broadcast together"),
                       Error);
  CHECK_THROWS_WITH_AS(reshape(Tensor(), {1}), doctest::Contains("reshape"), Error);
}
