#include "engine/nn/module.h"
#include "engine/ops.h"
#include "tests/support/testing.h"

using namespace leuko;

namespace {

// A module with one parameter and one buffer, enough to exercise the tree.
class Scale : public nn::Module {
 public:
  explicit Scale(int64_t n) {
    weight = register_parameter("weight", ones({n}));
    count = register_buffer("count", zeros({1}));
  }
  Tensor forward(const Tensor& x) override { return x * weight; }
  Tensor weight, count;
};

class Block : public nn::Module {
 public:
  Block() {
    first = register_module("first", std::make_shared<Scale>(2));
    second = register_module("second", std::make_shared<Scale>(2));
  }
  Tensor forward(const Tensor& x) override { return (*second)((*first)(x)); }
  std::shared_ptr<Scale> first, second;
};

}  // namespace

TEST_CASE("parameters and buffers get torchvision-style dotted names") {
  nn::Sequential net({std::make_shared<Block>(), std::make_shared<Scale>(2)});
  std::vector<std::string> names;
  for (const auto& [name, t] : net.named_parameters()) names.push_back(name);
  CHECK(names == std::vector<std::string>{"0.first.weight", "0.second.weight", "1.weight"});
  const auto state = net.state_dict();
  CHECK(state.count("0.second.count") == 1);
  CHECK(state.size() == 6);
  CHECK(net.parameter_count() == 6);
  // The registry holds the same tensor as the member: writing one shows in the other.
  auto block = std::dynamic_pointer_cast<Block>(net[0]);
  state.at("0.first.weight").fill_(3.0f);
  CHECK(block->first->weight.to_vector() == std::vector<float>{3, 3});
}

TEST_CASE("train/eval reach the whole tree, and freezing stops gradients") {
  auto block = std::make_shared<Block>();
  nn::Sequential net({block});
  net.eval();
  CHECK_FALSE(block->second->is_training());
  net.train();
  CHECK(block->first->is_training());

  block->first->set_requires_grad(false);
  CHECK(net.parameter_count(/*trainable_only=*/true) == 2);
  CHECK(net.trainable_parameters().size() == 1);
  Tensor x = from_vector({1, 2}, {2});
  sum(net(x)).backward();
  CHECK_FALSE(block->first->weight.grad().defined());
  CHECK(block->second->weight.grad().to_vector() == std::vector<float>{1, 2});
  net.zero_grad();
  CHECK_FALSE(block->second->weight.grad().defined());
}

TEST_CASE("a module without a single-input forward says so") {
  nn::Module bare;
  CHECK_THROWS_WITH_AS(bare(zeros({1})), doctest::Contains("has no single-input forward"), Error);
}

TEST_CASE("freeze modes: gradients_only follows train(), full pins eval mode") {
  auto frozen = std::make_shared<Block>();
  auto trained = std::make_shared<Scale>(2);
  nn::Sequential net({frozen, trained});

  frozen->freeze(nn::Module::FreezeMode::gradients_only);
  net.train();
  CHECK(frozen->first->is_training());
  CHECK(net.parameter_count(true) == 2);

  frozen->freeze(nn::Module::FreezeMode::full);
  net.train();
  CHECK_FALSE(frozen->is_training());
  CHECK_FALSE(frozen->second->is_training());
  CHECK(trained->is_training());
  CHECK_FALSE(frozen->first->weight.requires_grad());

  frozen->unfreeze();
  net.train();
  CHECK(frozen->second->is_training());
  CHECK(net.parameter_count(true) == 6);
}

TEST_CASE("named_modules and ObserveForward report every module call with its output") {
  auto block = std::make_shared<Block>();
  nn::Sequential net({block});
  std::vector<std::string> names;
  std::map<const nn::Module*, std::string> name_of;
  for (const auto& [name, module] : net.named_modules()) {
    names.push_back(name);
    name_of[module] = name;
  }
  CHECK(names == std::vector<std::string>{"", "0", "0.first", "0.second"});
  std::vector<std::string> calls;
  {
    nn::ObserveForward observe([&](const nn::Module& m, const Tensor& y) {
      calls.push_back(name_of.at(&m) + to_string(y.shape()));
    });
    net(zeros({2}));
  }
  CHECK(calls == std::vector<std::string>{"0.first[2]", "0.second[2]", "0[2]", "[2]"});
  net(zeros({2}));  // the observer is gone with its scope
  CHECK(calls.size() == 4);
}

TEST_CASE("load_state_dict copies by name, strict and non-strict, with clear errors") {
  Block source, target;
  source.first->weight.fill_(2.0f);
  source.second->count.fill_(5.0f);
  const Tensor kept = target.first->weight;
  target.load_state_dict(source.state_dict());
  CHECK(target.first->weight.is_same(kept));  // same tensor, new values
  CHECK(target.first->weight.to_vector() == std::vector<float>{2, 2});
  CHECK(target.second->count.item() == 5.0f);

  auto partial = source.state_dict();
  partial.erase("second.weight");
  partial["extra.weight"] = zeros({1});
  CHECK_THROWS_WITH_AS(target.load_state_dict(partial),
                       doctest::Contains("1 missing key(s), the first 'second.weight'; 1 "
                                         "unexpected key(s), the first 'extra.weight'"),
                       Error);
  const auto report = target.load_state_dict(partial, /*strict=*/false);
  CHECK(report.missing == std::vector<std::string>{"second.weight"});
  CHECK(report.unexpected == std::vector<std::string>{"extra.weight"});

  auto wrong = source.state_dict();
  wrong["first.weight"] = zeros({3});
  target.first->weight.fill_(7.0f);
  CHECK_THROWS_WITH_AS(
      target.load_state_dict(wrong, false),
      doctest::Contains("'first.weight' has shape [3] in the file but [2] in the model"), Error);
  CHECK(target.first->weight.to_vector() == std::vector<float>{7, 7});  // untouched on failure
}

TEST_CASE("Module::to moves parameters and buffers in place, keeping their identity") {
  Block block;
  const Tensor weight = block.first->weight;
  block.first->weight.fill_(3.0f);
  block.to(Device::cuda_emu);
  CHECK(weight.device() == Device::cuda_emu);  // the same handle sees the move
  CHECK(block.second->count.device() == Device::cuda_emu);
  CHECK(weight.to_vector() == std::vector<float>{3, 3});
  block.to(Device::cpu);
  CHECK(weight.device() == Device::cpu);
  CHECK(weight.requires_grad());
}
