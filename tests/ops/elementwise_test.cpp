// add/sub/mul/div (broadcast by strides) and the scalar forms on the GPU backend, against
// the CPU. (Their CPU behaviour is tested in tests/engine/autograd_test.cpp.)
#include "engine/autograd.h"
#include "engine/ops.h"
#include "tests/support/device_compare.h"
#include "tests/support/testing.h"

using namespace leuko;
using namespace leuko::testing;

namespace {

using Binary = Tensor (*)(const Tensor&, const Tensor&);

struct NamedBinary {
  const char* name;
  Binary op;
};

const NamedBinary kBinaryOps[] = {
    {"add", [](const Tensor& a, const Tensor& b) { return add(a, b); }},
    {"sub", [](const Tensor& a, const Tensor& b) { return sub(a, b); }},
    {"mul", [](const Tensor& a, const Tensor& b) { return mul(a, b); }},
    {"div", [](const Tensor& a, const Tensor& b) { return div(a, b); }}};

}  // namespace

// Same arithmetic, same order, one rounding per element: exact agreement is expected, 1e-6
// relative allows for contracted multiply-adds in backward chains.
TEST_CASE("cuda-emu matches the CPU: binary ops with broadcasting, forward and backward") {
  Generator g(1);
  const std::vector<std::pair<Shape, Shape>> shapes = {
      {{257}, {257}},             // flat, not a multiple of the block size
      {{3, 5, 7}, {1, 5, 1}},     // bias-like broadcast in the middle
      {{2, 3, 4, 5}, {3, 1, 1}},  // channel broadcast, leading dims missing
      {{1, 9}, {4, 1}},           // both sides broadcast (outer product)
      {{6, 1, 5}, {}},            // scalar tensor
  };
  for (const NamedBinary& op : kBinaryOps) {
    for (const auto& [sa, sb] : shapes) {
      CAPTURE(op.name);
      Tensor a = random_input(sa, g);
      Tensor b = random_input(sb, g, 0.5f, 2.0f);  // away from 0 for div
      check_device_matches_cpu([&](const std::vector<Tensor>& in) { return op.op(in[0], in[1]); },
                               {a, b},
                               std::string(op.name) + " " + to_string(sa) + " " + to_string(sb));
    }
  }
}

TEST_CASE("cuda-emu matches the CPU: binary ops on strided views (transposed, sliced)") {
  Generator g(2);
  Tensor a = random_input({6, 9}, g);
  Tensor b = random_input({9, 6}, g);
  check_device_matches_cpu(
      [](const std::vector<Tensor>& in) {
        return add(in[0].slice(1, 1, 9, 2), in[1].transpose(0, 1).slice(1, 0, 8, 2));
      },
      {a, b}, "add of views");
}

TEST_CASE("cuda-emu matches the CPU: scalar add, mul, neg") {
  Generator g(3);
  Tensor x = random_input({3, 67}, g);
  check_device_matches_cpu(
      [](const std::vector<Tensor>& in) { return neg(mul(add(in[0], 0.25f), -3.0f)); }, {x},
      "affine chain");
  check_device_matches_cpu(
      [](const std::vector<Tensor>& in) { return mul(in[0].transpose(0, 1), 2.0f); }, {x},
      "scalar mul of a transposed view");
}

TEST_CASE("cuda-emu: gradients accumulate on the device (a leaf used twice, the ones seed)") {
  const Device device = gpu_test_device();
  Tensor x = from_vector({1, 2, 3}, {3}, device).set_requires_grad(true);
  Tensor loss = sum(add(mul(x, x), x));  // d/dx = 2x + 1, from two uses of x
  loss.backward();                       // seed: ones() on the device
  REQUIRE(x.grad().defined());
  CHECK(x.grad().device() == device);
  CHECK(x.grad().to_vector() == std::vector<float>{3, 5, 7});
  sum(x).backward();  // accumulates into .grad through add() on the device
  CHECK(x.grad().to_vector() == std::vector<float>{4, 6, 8});
}

TEST_CASE("binary ops refuse tensors on different devices") {
  Tensor a = ones({2}), b = ones({2}, gpu_test_device());
  CHECK_THROWS_WITH_AS(add(a, b), doctest::Contains("add: tensors on different devices"), Error);
  CHECK_THROWS_WITH_AS(div(b, a), doctest::Contains("div: tensors on different devices"), Error);
}

TEST_CASE("cuda-emu matches the CPU: gradients flow back through views") {
  // slice's backward scatters into zeros() with copy_ (the strided scatter kernel), expand's
  // sums with sum_to, permute/reshape pass the gradient through: all on the device.
  Generator g(4);
  Tensor x = random_input({4, 6, 5}, g);
  Tensor w = random_input({6, 1}, g);
  check_device_matches_cpu(
      [](const std::vector<Tensor>& in) {
        const Tensor piece = in[0].slice(0, 1, 4, 2).slice(2, 0, 5, 2).permute({0, 2, 1});
        return mul(piece.reshape({2, 3, 6}), expand(in[1].reshape({1, 1, 6}), {2, 3, 6}));
      },
      {x, w}, "slice, permute, reshape, expand");
}
