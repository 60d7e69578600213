// Shared by the optimizer tests: replays a case of tests/golden/optim.safetensors (written by
// scripts/golden/optim.py): the same initial parameters and per-step gradients given to
// torch.optim, and the parameters torch had after each step.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/optim/optimizer.h"
#include "tests/support/testing.h"

namespace leuko::testing {

using MakeOptimizer =
    std::function<std::unique_ptr<optim::Optimizer>(const std::vector<Tensor>& params)>;

// How a test names "an SGD with these options": make<SGD>({.lr = 0.1}).
template <typename OptimizerType, typename Options>
MakeOptimizer make(Options options) {
  return [options](const std::vector<Tensor>& params) {
    return std::make_unique<OptimizerType>(params, options);
  };
}

// Runs every step of golden case `name` with the optimizer `make` builds and checks each
// parameter after each step. Returns the optimizer (for checks on its state).
inline std::unique_ptr<optim::Optimizer> replay_golden_steps(const std::string& name,
                                                             const MakeOptimizer& make, float rtol,
                                                             float atol) {
  const SafetensorsFile golden = load_golden("optim");
  std::vector<Tensor> params, grads, after;
  for (int k = 0; golden.tensors.count(name + ".p" + std::to_string(k) + ".init"); ++k) {
    const std::string prefix = name + ".p" + std::to_string(k);
    Tensor param = golden_tensor(golden, prefix + ".init").clone();
    params.push_back(param.set_requires_grad(true));
    grads.push_back(golden_tensor(golden, prefix + ".grads"));
    after.push_back(golden_tensor(golden, prefix + ".after"));
  }
  REQUIRE_MESSAGE(!params.empty(), "golden file has no case '", name, "'");
  std::unique_ptr<optim::Optimizer> optimizer = make(params);
  for (int64_t step = 0; step < grads[0].size(0); ++step) {
    for (size_t k = 0; k < params.size(); ++k) {
      params[k].set_grad(grads[k].slice(0, step, step + 1).reshape(params[k].shape()).clone());
    }
    optimizer->step();
    for (size_t k = 0; k < params.size(); ++k) {
      check_close(
          params[k], after[k].slice(0, step, step + 1).reshape(params[k].shape()), rtol, atol,
          name + " parameter " + std::to_string(k) + " after step " + std::to_string(step + 1));
    }
  }
  return optimizer;
}

// Runs `steps` steps of the optimizer `make` builds twice, on parameters of `shapes` on the
// CPU and on `device`, with the same random gradients, and checks every parameter after each
// step and every state tensor at the end (the state on the parameter's device, but Adam's
// step count, which the host reads). Then a fresh optimizer on `device` that loads that
// state must take the next step exactly as the CPU one does.
inline void check_device_matches_cpu(const MakeOptimizer& make, const std::vector<Shape>& shapes,
                                     Device device, int steps, float rtol, float atol) {
  Generator g(17);
  std::vector<Tensor> on_cpu, on_device;
  for (const Shape& shape : shapes) {
    const Tensor initial = uniform(shape, -1.0f, 1.0f, g);
    on_cpu.push_back(initial.clone().set_requires_grad(true));
    on_device.push_back(initial.to(device).set_requires_grad(true));
  }
  std::unique_ptr<optim::Optimizer> cpu_optimizer = make(on_cpu);
  std::unique_ptr<optim::Optimizer> device_optimizer = make(on_device);
  auto step_both = [&](optim::Optimizer& device_side, int step) {
    for (size_t k = 0; k < shapes.size(); ++k) {
      const Tensor grad = uniform(shapes[k], -1.0f, 1.0f, g);
      on_cpu[k].set_grad(grad);
      on_device[k].set_grad(grad.to(device));
    }
    cpu_optimizer->step();
    device_side.step();
    for (size_t k = 0; k < shapes.size(); ++k) {
      REQUIRE(on_device[k].device() == device);
      check_close(on_device[k].to(Device::cpu), on_cpu[k], rtol, atol,
                  "parameter " + std::to_string(k) + " after step " + std::to_string(step));
    }
  };
  for (int step = 1; step <= steps; ++step) step_both(*device_optimizer, step);

  const std::map<std::string, Tensor> cpu_state = cpu_optimizer->state_dict();
  const std::map<std::string, Tensor> device_state = device_optimizer->state_dict();
  REQUIRE(cpu_state.size() == device_state.size());
  for (const auto& [key, expected] : cpu_state) {
    CAPTURE(key);
    REQUIRE(device_state.count(key));
    const Tensor& actual = device_state.at(key);
    const bool host_side = key == "step" || key.ends_with(".step");
    CHECK(actual.device() == (host_side ? Device::cpu : device));
    if (expected.dtype() == DType::i64) {
      CHECK(actual.to_vector_i64() == expected.to_vector_i64());
    } else {
      check_close(actual.to(Device::cpu), expected, rtol, atol, key);
    }
  }
  std::unique_ptr<optim::Optimizer> resumed = make(on_device);
  resumed->load_state_dict(device_state);
  step_both(*resumed, steps + 1);
}

}  // namespace leuko::testing
