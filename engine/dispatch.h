// Device dispatch for the ops. An op calls its CPU kernel (kernels/cpu) for Device::cpu and
// its CUDA launcher (kernels/cuda) for the GPU devices:
//
//   if (x.device() == Device::cpu) {
//     cpu::relu_forward(x.data<float>(), y.data<float>(), n);
//   } else {
//     LEUKO_CUDA_DISPATCH(x.device(), "relu", relu_forward, x.data<float>(), y.data<float>(), n);
//   }
//
// LEUKO_CUDA_DISPATCH calls leuko::cuda::relu_forward (nvcc build, a real GPU) for
// Device::cuda and leuko::cuda_emu::relu_forward (the same kernel under the SIMT emulator)
// for Device::cuda_emu. Without nvcc at configure time the real backend does not exist and
// Device::cuda is a clear error.
#pragma once

#include "engine/error.h"
#include "engine/tensor.h"

namespace leuko {

[[noreturn]] inline void unsupported_device(const char* op, Device device) {
  throw Error(cat(op, ": no implementation for device ", to_string(device), " in this build"));
}

inline void require_cpu(const Tensor& t, const char* op) {
  if (t.device() != Device::cpu) unsupported_device(op, t.device());
}

}  // namespace leuko

#if LEUKO_WITH_CUDA
#define LEUKO_REAL_CUDA_CALL(op, call) ::leuko::cuda::call
#else
#define LEUKO_REAL_CUDA_CALL(op, call) ::leuko::unsupported_device(op, ::leuko::Device::cuda)
#endif

#define LEUKO_CUDA_DISPATCH(device, op, fn, ...)                \
  do {                                                          \
    if ((device) == ::leuko::Device::cuda) {                    \
      LEUKO_REAL_CUDA_CALL(op, fn(__VA_ARGS__));                \
    } else if ((device) == ::leuko::Device::cuda_emu) {         \
      ::leuko::cuda_emu::fn(__VA_ARGS__);                       \
    } else {                                                    \
      ::leuko::unsupported_device(op, device);                  \
    }                                                           \
  } while (0)
