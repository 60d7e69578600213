// nn::ConvBnRelu: its state dict keys, and its fused forward (one conv_batch_norm_relu op)
// against the same conv, batch norm and ReLU run one after the other, in training mode
// (output, gradients, running statistics, batch count) and in eval mode.
#include "engine/autograd.h"
#include "engine/nn/batch_norm.h"
#include "engine/nn/conv2d.h"
#include "engine/nn/conv_bn_relu.h"
#include "engine/ops.h"
#include "engine/random.h"
#include "tests/support/testing.h"

using namespace leuko;
using namespace leuko::testing;

static std::vector<std::string> keys_of(const nn::Module& m) {
  std::vector<std::string> keys;
  for (const auto& [key, t] : m.state_dict()) keys.push_back(key);
  return keys;
}

TEST_CASE("nn::ConvBnRelu: state dict keys of a Conv2d named conv and a BatchNorm2d named bn") {
  nn::ConvBnRelu block(3, 8, 3, 1, 1);
  CHECK(keys_of(block) == std::vector<std::string>{"bn.bias", "bn.num_batches_tracked",
                                                   "bn.running_mean", "bn.running_var", "bn.weight",
                                                   "conv.bias", "conv.weight"});
  CHECK(block.state_dict().at("conv.weight").shape() == Shape{8, 3, 3, 3});
  CHECK(keys_of(nn::ConvBnRelu(3, 8, 1, 1, 0, /*conv_bias=*/false)).size() == 6);
}

// The fused block and its unfused twin on one device: the same conv weights, batch norms of
// their own (so that each one's running statistics can be compared), and an input.
struct Twins {
  nn::ConvBnRelu fused{3, 4, 3, 2, 1};  // stride 2, padding 1
  nn::Conv2d conv{3, 4, 3, 2, 1};
  nn::BatchNorm2d bn{4};
  Tensor x;

  explicit Twins(Device device) {
    conv.load_state_dict(fused.conv().state_dict());
    fused.to(device);
    conv.to(device);
    bn.to(device);
    Generator g(9);
    x = uniform({2, 3, 9, 7}, -1.0f, 1.0f, g).to(device);
  }
  Tensor unfused(const Tensor& x) { return relu(bn(conv(x))); }
};

TEST_CASE("nn::ConvBnRelu in training mode equals conv -> bn -> relu, gradients and statistics") {
  for (const Device device : {Device::cpu, leuko::testing::gpu_test_device()}) {
    INFO(to_string(device));
    Twins twins(device);
    const Tensor y = twins.fused(twins.x), expected = twins.unfused(twins.x);
    check_close(y, expected, 1e-4f, 1e-5f, "output");
    sum(y * y).backward();
    sum(expected * expected).backward();
    check_close(twins.fused.conv().weight.grad(), twins.conv.weight.grad(), 1e-3f, 1e-4f,
                "conv.weight gradient");
    check_close(twins.fused.bn().weight.grad(), twins.bn.weight.grad(), 1e-3f, 1e-4f,
                "bn.weight gradient");
    check_close(twins.fused.bn().running_mean, twins.bn.running_mean, 1e-5f, 1e-6f, "running_mean");
    check_close(twins.fused.bn().running_var, twins.bn.running_var, 1e-5f, 1e-6f, "running_var");
    CHECK(twins.fused.bn().num_batches_tracked.to_vector_i64()[0] == 1);
  }
}

TEST_CASE("nn::ConvBnRelu in eval mode equals conv -> bn -> relu with the running statistics") {
  for (const Device device : {Device::cpu, leuko::testing::gpu_test_device()}) {
    INFO(to_string(device));
    Twins twins(device);
    twins.fused(twins.x);  // one training batch: running statistics other than the initial ones
    twins.unfused(twins.x);
    twins.fused.eval();
    twins.bn.eval();
    NoGradGuard no_grad;
    check_close(twins.fused(twins.x), twins.unfused(twins.x), 1e-4f, 1e-5f, "output in eval");
    CHECK(twins.fused.bn().num_batches_tracked.to_vector_i64()[0] == 1);  // eval counts nothing
  }
}
