// "cuda-emu matches the CPU": runs an op on CPU copies and on GPU copies of the same inputs
// (gpu_test_device(): the SIMT emulator, or a real GPU when LEUKO_TEST_GPU=1), then checks
// the outputs and the gradients that backward() gives on each device against each other.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "engine/tensor.h"

namespace leuko::testing {

// A fresh leaf on `device` with t's values, requiring grad as t does; undefined stays
// undefined (an optional input such as a bias).
Tensor leaf_on(const Tensor& t, Device device);

struct DeviceCompareOptions {
  float rtol = 1e-5f;  // outputs
  float atol = 1e-6f;
  float grad_rtol = 1e-5f;  // gradients
  float grad_atol = 1e-6f;
};

// `inputs` are CPU tensors; those that require grad get gradients on both devices, from
// backward() seeded with the same fixed random weights on both. Fresh outputs on the GPU
// device are NaN-poisoned by the allocator, so an element a kernel never writes fails here.
void check_device_matches_cpu(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                              const std::vector<Tensor>& inputs, const std::string& what,
                              const DeviceCompareOptions& options = {});

// The same check once per algorithm the test device has for a convolution (the project's
// implicit GEMM everywhere, cuDNN too on a real GPU) or a matrix product (the tiled GEMM
// everywhere, cuBLAS too on a real GPU). Afterwards the default (the vendor library) is
// selected again.
void check_conv_device_matches_cpu(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                                   const std::vector<Tensor>& inputs, const std::string& what,
                                   const DeviceCompareOptions& options = {});
void check_gemm_device_matches_cpu(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                                   const std::vector<Tensor>& inputs, const std::string& what,
                                   const DeviceCompareOptions& options = {});

}  // namespace leuko::testing
