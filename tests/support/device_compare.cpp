#include "tests/support/device_compare.h"

#include "engine/random.h"
#include "tests/support/testing.h"

namespace leuko::testing {

// A fresh leaf on `device` with x's values, requiring grad as x does.
static Tensor leaf_on(const Tensor& x, Device device) {
  Tensor copy = device == x.device() ? x.clone() : x.detach().to(device);
  if (x.requires_grad()) copy.set_requires_grad(true);
  return copy;
}

void check_device_matches_cpu(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                              const std::vector<Tensor>& inputs, const std::string& what,
                              const DeviceCompareOptions& options) {
  const Device device = gpu_test_device();
  std::vector<Tensor> on_cpu, on_device;
  for (const Tensor& x : inputs) {
    on_cpu.push_back(leaf_on(x, Device::cpu));
    on_device.push_back(leaf_on(x, device));
  }
  const Tensor expected = f(on_cpu);
  const Tensor actual = f(on_device);
  REQUIRE_MESSAGE(actual.device() == device, what, ": the output left the device");
  check_close(actual.to(Device::cpu), expected, options.rtol, options.atol, what + " output");
  if (!expected.requires_grad()) return;

  Generator g(99);
  const Tensor seed = uniform(expected.shape(), -1.0f, 1.0f, g);
  expected.backward(seed);
  actual.backward(seed.to(device));
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].requires_grad()) continue;
    REQUIRE_MESSAGE(on_device[i].grad().defined(), what, ": input ", i, " got no gradient");
    CHECK(on_device[i].grad().device() == device);
    check_close(on_device[i].grad().to(Device::cpu), on_cpu[i].grad(), options.grad_rtol,
                options.grad_atol, what + " gradient of input " + std::to_string(i));
  }
}

}  // namespace leuko::testing
