// Shared test tools: a finite-difference gradient check, closeness checks that report the
// worst element, and golden reference files written by scripts/make_golden.py.
#pragma once

#include <doctest/doctest.h>

#include <functional>
#include <string>
#include <vector>

#include "engine/error.h"
#include "engine/io/safetensors.h"
#include "engine/random.h"
#include "engine/tensor.h"

namespace leuko::testing {

struct GradcheckOptions {
  float eps = 1e-3f;   // central-difference step
  float rtol = 1e-2f;  // float32 differences: a few significant digits is what they give
  float atol = 1e-3f;
  int max_checks_per_input = 300;  // larger inputs are checked at a random sample of elements
};

// Compares the autograd gradient of L = sum(f(inputs) * R), R fixed random weights, with
// central differences of L for every input that requires grad. L is summed in double so
// the differences are not drowned by float32 rounding of the sum.
void gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& f,
               const std::vector<Tensor>& inputs, const GradcheckOptions& options = {});

// FAILs (with the worst element, its index and both values) unless
// |actual - expected| <= atol + rtol * |expected| everywhere.
void check_close(const Tensor& actual, const Tensor& expected, float rtol, float atol,
                 const std::string& what);

// sum(a * b) over all elements, summed in double (the two sides of an adjoint identity).
double dot(const Tensor& a, const Tensor& b);

// A leaf input with uniform values in [low, high) that requires grad.
Tensor random_input(const Shape& shape, Generator& g, float low = -1.0f, float high = 1.0f);

// The device the "cuda-emu matches the CPU" cases run on: Device::cuda when the environment
// sets LEUKO_TEST_GPU=1 (bench/gpu_check.sh runs the suite that way on a real GPU), else
// Device::cuda_emu, the same kernels under the SIMT emulator. With LEUKO_TEST_GPU=1 and no
// usable GPU it throws: a GPU check must not pass on the emulator unnoticed.
Device gpu_test_device();

// Golden case `key` of a layer with an input x, a weight and an optional bias (present when
// the file has `key`.bias): runs `layer` on copies that require grad, back-propagates the
// stored `key`.grad_y, and checks y, grad_x, grad_weight (and grad_bias) against the file.
using Layer = std::function<Tensor(const Tensor& x, const Tensor& weight, const Tensor& bias)>;
void check_layer_against_golden(const SafetensorsFile& file, const std::string& key,
                                const Layer& layer, float rtol, float atol);

// tests/golden/<name>.safetensors; FAILs with a hint to run scripts/make_golden.py if absent.
SafetensorsFile load_golden(const std::string& name);
Tensor golden_tensor(const SafetensorsFile& file, const std::string& key);

}  // namespace leuko::testing
