#include <algorithm>
#include <cmath>

#include "engine/error.h"
#include "engine/nn/conv2d.h"
#include "engine/nn/conv_transpose2d.h"
#include "engine/nn/linear.h"
#include "engine/ops.h"
#include "engine/random.h"
#include "tests/support/testing.h"

using namespace leuko;

static std::vector<std::string> names_of(const nn::Module& m) {
  std::vector<std::string> names;
  for (const auto& [name, t] : m.named_parameters()) names.push_back(name);
  return names;
}

// Every value lies within +-bound, and for tensors of 100+ values the largest reaches most
// of it (the draw is U(-bound, bound), not a narrower one): PyTorch's default init.
static void check_uniform_bound(const Tensor& t, int64_t fan_in, const char* what) {
  CAPTURE(what);
  const float bound = 1.0f / std::sqrt(static_cast<float>(fan_in));
  float largest = 0.0f;
  for (float v : t.to_vector()) largest = std::max(largest, std::fabs(v));
  CHECK(largest <= bound);
  if (t.numel() >= 100) CHECK(largest > 0.8f * bound);
}

TEST_CASE("nn::Conv2d: parameter names and shapes, PyTorch's init bound, output shape") {
  manual_seed(71);
  nn::Conv2d conv(3, 16, 3, 2, 1);
  CHECK(names_of(conv) == std::vector<std::string>{"weight", "bias"});
  CHECK(conv.weight.shape() == Shape{16, 3, 3, 3});
  CHECK(conv.bias.shape() == Shape{16});
  CHECK(conv.weight.requires_grad());
  check_uniform_bound(conv.weight, 3 * 3 * 3, "weight");
  check_uniform_bound(conv.bias, 3 * 3 * 3, "bias");
  Tensor y = conv(uniform({2, 3, 17, 16}, -1, 1));
  CHECK(y.shape() == Shape{2, 16, 9, 8});
  sum(y).backward();
  CHECK(conv.weight.grad().shape() == conv.weight.shape());
  CHECK(conv.bias.grad().shape() == conv.bias.shape());

  nn::Conv2d rect(8, 4, {1, 5}, 1, {0, 2}, 1, false);
  CHECK(names_of(rect) == std::vector<std::string>{"weight"});
  CHECK_FALSE(rect.bias.defined());
  check_uniform_bound(rect.weight, 8 * 5, "rect weight");
  CHECK(rect(zeros({1, 8, 6, 7})).shape() == Shape{1, 4, 6, 7});
  CHECK_THROWS_WITH_AS(nn::Conv2d(0, 4, 3), doctest::Contains("Conv2d: channels and kernel size"),
                       Error);
}

TEST_CASE("nn::ConvTranspose2d: weight [in, out, kh, kw], fan_in from out * kh * kw") {
  manual_seed(72);
  nn::ConvTranspose2d up(32, 4, 3, 2, 1, 1);
  CHECK(names_of(up) == std::vector<std::string>{"weight", "bias"});
  CHECK(up.weight.shape() == Shape{32, 4, 3, 3});
  CHECK(up.bias.shape() == Shape{4});
  check_uniform_bound(up.weight, 4 * 3 * 3, "weight");  // not 32 * 9: PyTorch reads dim 1
  check_uniform_bound(up.bias, 4 * 3 * 3, "bias");
  CHECK(up(zeros({2, 32, 5, 6})).shape() == Shape{2, 4, 10, 12});  // stride 2 doubles
  nn::ConvTranspose2d plain(2, 3, 2, 2, 0, 0, 1, false);
  CHECK(names_of(plain) == std::vector<std::string>{"weight"});
  CHECK(plain(zeros({1, 2, 4, 4})).shape() == Shape{1, 3, 8, 8});
}

TEST_CASE("nn::Linear: parameter names and shapes, PyTorch's init bound, output shape") {
  manual_seed(73);
  nn::Linear fc(512, 10);
  CHECK(names_of(fc) == std::vector<std::string>{"weight", "bias"});
  CHECK(fc.weight.shape() == Shape{10, 512});
  CHECK(fc.bias.shape() == Shape{10});
  check_uniform_bound(fc.weight, 512, "weight");
  check_uniform_bound(fc.bias, 512, "bias");
  Tensor y = fc(uniform({4, 512}, -1, 1));
  CHECK(y.shape() == Shape{4, 10});
  sum(y).backward();
  CHECK(fc.weight.grad().defined());
  // Each bias gradient is the number of rows.
  CHECK(fc.bias.grad().to_vector() == std::vector<float>(10, 4.0f));
  nn::Linear no_bias(3, 2, false);
  CHECK(names_of(no_bias) == std::vector<std::string>{"weight"});
  CHECK(no_bias.parameter_count() == 6);
  CHECK_THROWS_WITH_AS(nn::Linear(0, 2), doctest::Contains("Linear: feature counts"), Error);
}
