#include <memory>

#include "engine/error.h"
#include "engine/nn/activation.h"
#include "engine/ops.h"
#include "tests/support/testing.h"

using namespace leuko;
using namespace leuko::testing;

TEST_CASE("activation modules apply their op with their settings, and hold no parameters") {
  Generator g(1);
  const Tensor x = uniform({2, 3, 4}, -3.0f, 3.0f, g);
  check_close(nn::ReLU()(x), relu(x), 0.0f, 0.0f, "ReLU");
  check_close(nn::ELU()(x), elu(x, 1.0f), 0.0f, 0.0f, "ELU default alpha 1");
  check_close(nn::ELU(0.3f)(x), elu(x, 0.3f), 0.0f, 0.0f, "ELU(0.3)");
  check_close(nn::LeakyReLU()(x), leaky_relu(x, 0.01f), 0.0f, 0.0f, "LeakyReLU default 0.01");
  check_close(nn::LeakyReLU(0.2f)(x), leaky_relu(x, 0.2f), 0.0f, 0.0f, "LeakyReLU(0.2)");
  check_close(nn::Sigmoid()(x), sigmoid(x), 0.0f, 0.0f, "Sigmoid");
  check_close(nn::Tanh()(x), leuko::tanh(x), 0.0f, 0.0f, "Tanh");
  check_close(nn::Softmax(1)(x), softmax(x, 1), 0.0f, 0.0f, "Softmax(1)");
  CHECK(nn::ELU(0.3f).alpha() == 0.3f);
  CHECK(nn::LeakyReLU(0.2f).negative_slope() == 0.2f);
  CHECK(nn::Softmax(-1).dim() == -1);
  CHECK(nn::ReLU().parameter_count() == 0);
  CHECK(nn::Softmax(1).state_dict().empty());
}

TEST_CASE("Flatten merges the chosen dims, keeping the batch dim by default") {
  const Tensor x = zeros({2, 3, 4, 5});
  CHECK(nn::Flatten()(x).shape() == Shape{2, 60});
  CHECK(nn::Flatten(0, -1)(x).shape() == Shape{120});
  CHECK(nn::Flatten(1, 2)(x).shape() == Shape{2, 12, 5});
  const Tensor values = from_vector({1, 2, 3, 4, 5, 6}, {1, 2, 3});
  CHECK(nn::Flatten()(values).to_vector() == values.to_vector());  // row-major order kept
}

TEST_CASE("Identity returns its input, gradient included") {
  Generator g(2);
  const Tensor x = random_input({3, 2}, g);
  const Tensor y = nn::Identity()(x);
  CHECK(y.is_same(x));
  sum(y * 2.0f).backward();
  CHECK(x.grad().to_vector() == std::vector<float>(6, 2.0f));
}

TEST_CASE("modules compose in a Sequential head and pass gradients back") {
  Generator g(3);
  nn::Sequential head({std::make_shared<nn::Flatten>(), std::make_shared<nn::ELU>(),
                       std::make_shared<nn::Softmax>(1)});
  const Tensor x = random_input({2, 2, 3, 1}, g);
  const Tensor y = head(x);
  REQUIRE(y.shape() == Shape{2, 6});
  check_close(sum(y, {1}), ones({2}), 1e-6f, 0.0f, "softmax rows sum to 1");
  sum(y * from_vector({1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, {2, 6})).backward();
  REQUIRE(x.grad().defined());
  CHECK(x.grad().shape() == x.shape());
}

TEST_CASE("module errors come from the ops, naming them") {
  CHECK_THROWS_WITH_AS(nn::Softmax(2)(zeros({2, 3})),
                       doctest::Contains("softmax: dim 2 is out of range for shape [2, 3]"), Error);
  CHECK_THROWS_WITH_AS(nn::ReLU()(from_vector_i64({1}, {1})),
                       doctest::Contains("relu: input must be float32"), Error);
}
