// Shared by batch_norm_test and batch_norm_relu_test (same arguments, same rules): their
// random inputs, and the check of a run on the test device against the CPU.
#pragma once

#include <functional>

#include "engine/ops.h"
#include "tests/support/device_compare.h"
#include "tests/support/testing.h"

namespace leuko::testing {

// x with an offset mean, weight away from 0, running buffers (which need no gradient) with
// a positive variance; residual is batch_norm_relu's skip input (undefined: none).
struct BatchNormInputs {
  Tensor x, weight, bias, running_mean, running_var, residual;
};

inline BatchNormInputs make_batch_norm_inputs(const Shape& shape, Generator& g) {
  const int64_t channels = shape[1];
  return {random_input(shape, g, -1.0f, 2.0f), random_input({channels}, g, 0.5f, 1.5f),
          random_input({channels}, g),         uniform({channels}, -0.5f, 0.5f, g),
          uniform({channels}, 0.5f, 1.5f, g),  Tensor()};
}

using BatchNormOp = std::function<Tensor(const BatchNormInputs& in)>;

// `op` on the CPU inputs `cpu` and on copies of them on gpu_test_device(), both
// back-propagating the same output gradient (drawn from g): outputs, running buffers and
// every gradient, on the op's own input tensors (op must use in.residual when it is given).
inline void check_batch_norm_device_matches_cpu(const BatchNormOp& op, const BatchNormInputs& cpu,
                                                Generator& g) {
  const Device device = gpu_test_device();
  const BatchNormInputs gpu{leaf_on(cpu.x, device),           leaf_on(cpu.weight, device),
                            leaf_on(cpu.bias, device),        leaf_on(cpu.running_mean, device),
                            leaf_on(cpu.running_var, device), leaf_on(cpu.residual, device)};
  const Tensor grad_y = uniform(cpu.x.shape(), -1.0f, 1.0f, g);
  Tensor y_cpu = op(cpu), y_gpu = op(gpu);
  REQUIRE(y_gpu.device() == device);
  y_cpu.backward(grad_y);
  y_gpu.backward(grad_y.to(device));

  // The device sums a channel in float (shifted by its first value, in a tree order), the
  // CPU in double: outputs and buffers are O(1), 1e-5 relative and absolute.
  check_close(y_gpu, y_cpu, 1e-5f, 1e-5f, "y");
  check_close(gpu.running_mean, cpu.running_mean, 1e-5f, 1e-5f, "running_mean");
  check_close(gpu.running_var, cpu.running_var, 1e-5f, 1e-5f, "running_var");
  // Gradients: the closed form subtracts channel sums (of up to 900 products here) from
  // m * dy, so float rounding of those sums shows at ~1e-5 of their size: looser.
  check_close(gpu.x.grad(), cpu.x.grad(), 1e-4f, 1e-4f, "grad_x");
  if (cpu.weight.defined()) {
    check_close(gpu.weight.grad(), cpu.weight.grad(), 1e-4f, 1e-4f, "grad_weight");
    check_close(gpu.bias.grad(), cpu.bias.grad(), 1e-4f, 1e-4f, "grad_bias");
  }
  // grad_y or 0, masked by outputs that agree in sign here: exact.
  if (cpu.residual.defined()) {
    check_close(gpu.residual.grad(), cpu.residual.grad(), 0.0f, 0.0f, "grad_residual");
  }
}

}  // namespace leuko::testing
