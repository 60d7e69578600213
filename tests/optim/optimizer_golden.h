// Shared by the optimizer tests: replays a case of tests/golden/optim.safetensors (written by
// scripts/golden/optim.py): the same initial parameters and per-step gradients given to
// torch.optim, and the parameters torch had after each step.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/optim/optimizer.h"
#include "tests/support/testing.h"

namespace leuko::testing {

using MakeOptimizer =
    std::function<std::unique_ptr<optim::Optimizer>(const std::vector<Tensor>& params)>;

// Runs every step of golden case `name` with the optimizer `make` builds and checks each
// parameter after each step. Returns the optimizer (for checks on its state).
inline std::unique_ptr<optim::Optimizer> replay_golden_steps(const std::string& name,
                                                             const MakeOptimizer& make,
                                                             float rtol, float atol) {
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
      check_close(params[k], after[k].slice(0, step, step + 1).reshape(params[k].shape()), rtol,
                  atol, name + " parameter " + std::to_string(k) + " after step " +
                            std::to_string(step + 1));
    }
  }
  return optimizer;
}

}  // namespace leuko::testing
