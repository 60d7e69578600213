#include "tests/support/testing.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <numeric>
#include <sstream>

#include "engine/autograd.h"

namespace leuko::testing {

static double weighted_sum(const Tensor& y, const std::vector<float>& weights) {
  const std::vector<float> values = y.to_vector();
  double total = 0.0;
  for (size_t i = 0; i < values.size(); ++i) total += static_cast<double>(values[i]) * weights[i];
  return total;
}

void gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& f,
               const std::vector<Tensor>& inputs, const GradcheckOptions& options) {
  Generator g(1234);
  for (const Tensor& input : inputs) Tensor(input).zero_grad();
  const Tensor y = f(inputs);
  REQUIRE_MESSAGE(y.requires_grad(), "gradcheck: the output does not depend on any input");
  const Tensor weights_tensor = uniform(y.shape(), -1.0f, 1.0f, g);
  const std::vector<float> weights = weights_tensor.to_vector();
  y.backward(weights_tensor.to(y.device()));

  for (size_t k = 0; k < inputs.size(); ++k) {
    const Tensor& input = inputs[k];
    if (!input.requires_grad()) continue;
    REQUIRE_MESSAGE(input.grad().defined(), "gradcheck: input ", k, " received no gradient");
    const std::vector<float> analytic = input.grad().to_vector();
    std::vector<int64_t> indices(input.numel());
    std::iota(indices.begin(), indices.end(), 0);
    if (static_cast<int>(indices.size()) > options.max_checks_per_input) {
      for (size_t i = 0; i < indices.size(); ++i)
        std::swap(indices[i], indices[i + g.next_u64() % (indices.size() - i)]);
      indices.resize(options.max_checks_per_input);
    }
    for (int64_t index : indices) {
      float* element = input.data<float>() + index;  // inputs are contiguous host leaves
      const float original = *element;
      double numeric;
      {
        NoGradGuard no_grad;
        *element = original + options.eps;
        const double plus = weighted_sum(f(inputs), weights);
        *element = original - options.eps;
        const double minus = weighted_sum(f(inputs), weights);
        *element = original;
        numeric = (plus - minus) / (2.0 * options.eps);
      }
      const double a = analytic[index];
      const double tolerance =
          options.atol + options.rtol * std::max(std::fabs(a), std::fabs(numeric));
      if (std::fabs(a - numeric) > tolerance) {
        FAIL_CHECK("gradcheck: input ", k, " shape ", to_string(input.shape()), " element ", index,
                   ": analytic ", a, " vs numeric ", numeric);
        return;
      }
    }
  }
}

void check_close(const Tensor& actual, const Tensor& expected, float rtol, float atol,
                 const std::string& what) {
  REQUIRE_MESSAGE(actual.shape() == expected.shape(), what, ": shape ", to_string(actual.shape()),
                  " vs expected ", to_string(expected.shape()));
  const std::vector<float> a = actual.to_vector(), e = expected.to_vector();
  double worst_excess = 0.0;
  size_t worst = 0;
  bool ok = true;
  for (size_t i = 0; i < a.size(); ++i) {
    const double diff = std::fabs(static_cast<double>(a[i]) - e[i]);
    const double excess = diff - (atol + rtol * std::fabs(e[i]));
    if (!(excess <= 0.0)) {  // also catches NaN
      if (ok || excess > worst_excess || std::isnan(a[i])) {
        worst_excess = excess;
        worst = i;
      }
      ok = false;
    }
  }
  if (!ok) {
    FAIL_CHECK(what, ": element ", worst, " is ", a[worst], ", expected ", e[worst], " (rtol ",
               rtol, ", atol ", atol, ")");
  }
}

double dot(const Tensor& a, const Tensor& b) {
  const std::vector<float> av = a.to_vector(), bv = b.to_vector();
  double total = 0.0;
  for (size_t i = 0; i < av.size(); ++i) total += static_cast<double>(av[i]) * bv[i];
  return total;
}

Tensor random_input(const Shape& shape, Generator& g, float low, float high) {
  Tensor t = uniform(shape, low, high, g);
  t.set_requires_grad(true);
  return t;
}

Device gpu_test_device() {
  const char* flag = std::getenv("LEUKO_TEST_GPU");
  const bool wanted = flag != nullptr && std::string(flag) == "1";
  if (!wanted) return Device::cuda_emu;
  LEUKO_CHECK(device_available(Device::cuda),
              "LEUKO_TEST_GPU=1 but no CUDA device is usable (no GPU, or a build without nvcc)");
  return Device::cuda;
}

SafetensorsFile load_golden(const std::string& name) {
  const std::string path = std::string(LEUKO_GOLDEN_DIR) + "/" + name + ".safetensors";
  REQUIRE_MESSAGE(std::filesystem::exists(path), path,
                  " is missing: run /usr/bin/python3 scripts/make_golden.py");
  return load_safetensors(path);
}

Tensor golden_tensor(const SafetensorsFile& file, const std::string& key) {
  auto it = file.tensors.find(key);
  REQUIRE_MESSAGE(it != file.tensors.end(), "golden file has no tensor '", key, "'");
  return it->second;
}

void check_layer_against_golden(const SafetensorsFile& file, const std::string& key,
                                const Layer& layer, float rtol, float atol) {
  const bool has_bias = file.tensors.count(key + ".bias") > 0;
  const auto leaf = [&](const std::string& name) {
    return golden_tensor(file, key + "." + name).clone().set_requires_grad(true);
  };
  Tensor x = leaf("x"), w = leaf("weight");
  Tensor b = has_bias ? leaf("bias") : Tensor();
  Tensor y = layer(x, w, b);
  y.backward(golden_tensor(file, key + ".grad_y"));
  check_close(y, golden_tensor(file, key + ".y"), rtol, atol, key + ".y");
  check_close(x.grad(), golden_tensor(file, key + ".grad_x"), rtol, atol, key + ".grad_x");
  check_close(w.grad(), golden_tensor(file, key + ".grad_weight"), rtol, atol,
              key + ".grad_weight");
  if (has_bias) {
    check_close(b.grad(), golden_tensor(file, key + ".grad_bias"), rtol, atol, key + ".grad_bias");
  }
}

}  // namespace leuko::testing
