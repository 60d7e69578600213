#include "tests/support/device_compare.h"

#include "engine/cuda_options.h"
#include "engine/random.h"
#include "tests/support/testing.h"

namespace leuko::testing {

Tensor leaf_on(const Tensor& t, Device device) {
  if (!t.defined()) return Tensor();
  Tensor copy = device == t.device() ? t.clone() : t.detach().to(device);
  if (t.requires_grad()) copy.set_requires_grad(true);
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

// check_device_matches_cpu with each of `algorithms` selected by `select`, then `fallback`.
template <typename Algorithm>
static void check_each_algorithm(const std::vector<std::pair<Algorithm, const char*>>& algorithms,
                                 void (*select)(Algorithm), Algorithm fallback,
                                 const std::function<Tensor(const std::vector<Tensor>&)>& f,
                                 const std::vector<Tensor>& inputs, const std::string& what,
                                 const DeviceCompareOptions& options) {
  for (const auto& [algorithm, name] : algorithms) {
    CAPTURE(name);
    select(algorithm);
    check_device_matches_cpu(f, inputs, what, options);
  }
  select(fallback);
}

void check_conv_device_matches_cpu(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                                   const std::vector<Tensor>& inputs, const std::string& what,
                                   const DeviceCompareOptions& options) {
  std::vector<std::pair<ConvAlgorithm, const char*>> algorithms{
      {ConvAlgorithm::implicit_gemm, "implicit_gemm"}};
  if (gpu_test_device() == Device::cuda) algorithms.emplace_back(ConvAlgorithm::cudnn, "cudnn");
  check_each_algorithm(algorithms, &set_cuda_conv_algorithm, ConvAlgorithm::cudnn, f, inputs, what,
                       options);
}

void check_gemm_device_matches_cpu(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                                   const std::vector<Tensor>& inputs, const std::string& what,
                                   const DeviceCompareOptions& options) {
  std::vector<std::pair<GemmAlgorithm, const char*>> algorithms{{GemmAlgorithm::tiled, "tiled"}};
  if (gpu_test_device() == Device::cuda) algorithms.emplace_back(GemmAlgorithm::cublas, "cublas");
  check_each_algorithm(algorithms, &set_cuda_gemm_algorithm, GemmAlgorithm::cublas, f, inputs, what,
                       options);
}

}  // namespace leuko::testing
