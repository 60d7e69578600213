#include <cmath>

#include "engine/error.h"
#include "engine/nn/batch_norm.h"
#include "engine/nn/dropout.h"
#include "engine/nn/pool.h"
#include "engine/ops.h"
#include "tests/support/testing.h"

using namespace leuko;
using namespace leuko::testing;

// Names and shapes as a list, for comparing with torchvision's state_dict layout.
static std::vector<std::pair<std::string, Shape>> layout(
    const std::vector<std::pair<std::string, Tensor>>& named) {
  std::vector<std::pair<std::string, Shape>> out;
  for (const auto& [name, t] : named) out.emplace_back(name, t.shape());
  return out;
}

// A stem as in torchvision's ResNet: the batch norm registered as "bn1".
struct Stem : nn::Module {
  Stem() { bn1 = register_module("bn1", std::make_shared<nn::BatchNorm2d>(4)); }
  std::shared_ptr<nn::BatchNorm2d> bn1;
};

TEST_CASE("BatchNorm2d: parameters and buffers named, shaped and initialised as torchvision's") {
  Stem stem;
  using Layout = std::vector<std::pair<std::string, Shape>>;
  CHECK(layout(stem.named_parameters()) == Layout{{"bn1.weight", {4}}, {"bn1.bias", {4}}});
  CHECK(layout(stem.named_buffers()) == Layout{{"bn1.running_mean", {4}},
                                               {"bn1.running_var", {4}},
                                               {"bn1.num_batches_tracked", {}}});
  const nn::BatchNorm2d& bn = *stem.bn1;
  CHECK(bn.weight.to_vector() == std::vector<float>(4, 1.0f));
  CHECK(bn.bias.to_vector() == std::vector<float>(4, 0.0f));
  CHECK(bn.weight.requires_grad());
  CHECK(bn.running_mean.to_vector() == std::vector<float>(4, 0.0f));
  CHECK(bn.running_var.to_vector() == std::vector<float>(4, 1.0f));
  CHECK_FALSE(bn.running_mean.requires_grad());
  CHECK(bn.num_batches_tracked.dtype() == DType::i64);
  CHECK(bn.num_batches_tracked.to_vector_i64() == std::vector<int64_t>{0});
  CHECK(bn.eps() == 1e-5f);
  CHECK(bn.momentum() == 0.1f);
  CHECK(stem.state_dict().size() == 5);

  nn::BatchNorm1d plain(6, 1e-3f, 0.2f, false);  // affine off: buffers only
  CHECK(plain.named_parameters().empty());
  CHECK(layout(plain.named_buffers()) ==
        Layout{{"running_mean", {6}}, {"running_var", {6}}, {"num_batches_tracked", {}}});
}

TEST_CASE("BatchNorm2d: training moves the running stats and counts batches, eval does neither") {
  Generator g(51);
  nn::BatchNorm2d bn(3, 1e-5f, 0.5f);
  Tensor x = uniform({4, 3, 5, 5}, 1.0f, 3.0f, g);  // mean ~2, variance ~1/3
  bn(x);
  bn(x);
  CHECK(bn.num_batches_tracked.item() == 2.0f);
  // Two updates with momentum 0.5 from (0, 1) towards the batch's (mean, unbiased variance).
  const Tensor batch_mean = mean(x, {0, 2, 3});
  for (int64_t c = 0; c < 3; ++c) {
    CHECK(bn.running_mean.to_vector()[c] ==
          doctest::Approx(0.75 * batch_mean.to_vector()[c]).epsilon(1e-5));
    CHECK(bn.running_var.to_vector()[c] < 1.0f);
  }

  bn.eval();
  const std::vector<float> mean_before = bn.running_mean.to_vector();
  const std::vector<float> var_before = bn.running_var.to_vector();
  Tensor y = bn(x);
  CHECK(bn.num_batches_tracked.item() == 2.0f);
  CHECK(bn.running_mean.to_vector() == mean_before);
  CHECK(bn.running_var.to_vector() == var_before);
  // Eval output is exactly the normalization by the running buffers.
  const std::vector<float> rv = bn.running_var.to_vector();
  std::vector<float> inv_std;
  for (float v : rv) inv_std.push_back(1.0f / std::sqrt(v + 1e-5f));
  check_close(y, (x - reshape(bn.running_mean, {1, 3, 1, 1})) * from_vector(inv_std, {1, 3, 1, 1}),
              1e-5f, 1e-6f, "eval output");
}

TEST_CASE("a fully frozen BatchNorm stays in eval mode: running stats do not move") {
  nn::BatchNorm2d bn(2);
  bn.freeze(nn::Module::FreezeMode::full);
  bn.train();
  bn(from_vector({1, 2, 3, 4, 5, 6, 7, 8}, {2, 2, 1, 2}));
  CHECK(bn.num_batches_tracked.item() == 0.0f);
  CHECK(bn.running_mean.to_vector() == std::vector<float>{0, 0});
}

TEST_CASE("BatchNorm1d on [N, C], each checks its input rank") {
  nn::BatchNorm1d bn(3);
  Tensor y = bn(from_vector({1, 10, 100, 3, 30, 300}, {2, 3}));
  check_close(y, from_vector({-1, -1, -1, 1, 1, 1}, {2, 3}), 1e-4f, 1e-4f, "normalized");
  CHECK(bn.num_batches_tracked.item() == 1.0f);
  CHECK_THROWS_WITH_AS(bn(zeros({2, 3, 4, 4})),
                       doctest::Contains("BatchNorm1d: input must be 2-D, got shape [2, 3, 4, 4]"),
                       Error);
  nn::BatchNorm2d bn2(3);
  CHECK_THROWS_WITH_AS(bn2(zeros({2, 3})),
                       doctest::Contains("BatchNorm2d: input must be 4-D, got shape [2, 3]"),
                       Error);
  CHECK_THROWS_WITH_AS(
      bn2(zeros({2, 4, 2, 2})),
      doctest::Contains(
          "weight must have shape [4] (one value per channel of input [2, 4, 2, 2]), got [3]"),
      Error);
  CHECK(bn2.num_batches_tracked.item() == 0.0f);  // failed calls count nothing
}

TEST_CASE("pooling modules: stride defaults to the kernel, shapes as torch.nn") {
  Tensor x = zeros({2, 3, 112, 112});
  CHECK(nn::MaxPool2d(3, 2, 1)(x).shape() == Shape{2, 3, 56, 56});  // ResNet's stem
  CHECK(nn::MaxPool2d(2)(x).shape() == Shape{2, 3, 56, 56});
  CHECK(nn::MaxPool2d(3, 2, 0, true)(zeros({1, 1, 8, 8})).shape() == Shape{1, 1, 4, 4});
  CHECK(nn::AvgPool2d(4)(x).shape() == Shape{2, 3, 28, 28});
  CHECK(nn::AvgPool2d(3, 1, 1, false, false)(ones({1, 1, 3, 3})).to_vector() ==
        std::vector<float>(9, 1.0f));
  CHECK(nn::GlobalAvgPool2d()(x).shape() == Shape{2, 3, 1, 1});
  CHECK(nn::MaxPool2d(2).named_parameters().empty());
}

TEST_CASE("Dropout: drops in training mode with its generator, identity in eval mode") {
  Generator g(52);
  nn::Dropout drop(0.5f, g);
  Tensor x = ones({1000});
  const std::vector<float> y = drop(x).to_vector();
  int64_t zeros_count = 0;
  for (float v : y) zeros_count += v == 0.0f;
  CHECK(zeros_count > 400);
  CHECK(zeros_count < 600);
  g.manual_seed(52);
  CHECK(drop(x).to_vector() == y);
  drop.eval();
  CHECK(drop(x).is_same(x));
  CHECK(drop.p() == 0.5f);
  CHECK_THROWS_WITH_AS(nn::Dropout(1.5f),
                       doctest::Contains("Dropout: probability p must be in [0, 1], got 1.5"),
                       Error);
}

TEST_CASE("BatchNorm2d::forward_relu equals relu(forward) and counts batches on every device") {
  for (const leuko::Device device : {leuko::Device::cpu, leuko::testing::gpu_test_device()}) {
    leuko::nn::BatchNorm2d fused(3), plain(3);
    fused.to(device);
    plain.to(device);
    leuko::Generator g(8);
    const leuko::Tensor x = leuko::uniform({2, 3, 4, 5}, -1.0f, 1.0f, g).to(device);
    const leuko::Tensor expected = leuko::relu(plain(x));
    leuko::testing::check_close(fused.forward_relu(x), expected, 1e-5f, 1e-6f, "forward_relu");
    leuko::testing::check_close(fused.running_mean, plain.running_mean, 1e-6f, 1e-7f,
                                "running_mean");
    CHECK(fused.num_batches_tracked.to_vector_i64()[0] == 1);
    fused.forward_relu(x);
    CHECK(fused.num_batches_tracked.to_vector_i64()[0] == 2);
    fused.eval();
    fused.forward_relu(x);
    CHECK(fused.num_batches_tracked.to_vector_i64()[0] == 2);
  }
}
