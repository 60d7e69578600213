// One kernel as built for every device, for ops that choose their kernel at run time
// (activation and softmax pick one of several kernels of the same signature and pass it
// along as a function pointer):
//
//   const auto forward = LEUKO_DEVICE_KERNELS(relu_forward);   // cpu::, cuda::, cuda_emu::
//   forward.on(x.device(), "relu")(x_data, y_data, n);
//
// Ops that call one fixed kernel use LEUKO_CUDA_DISPATCH (engine/dispatch.h) instead.
#pragma once

#include "engine/dispatch.h"

namespace leuko {

template <typename Fn>
struct DeviceKernels {
  Fn cpu;
  Fn cuda;  // nullptr when this build has no real CUDA backend
  Fn cuda_emu;

  Fn on(Device device, const char* op) const {
    const Fn fn = device == Device::cpu ? cpu : device == Device::cuda ? cuda : cuda_emu;
    if (fn == nullptr) unsupported_device(op, device);
    return fn;
  }
};

}  // namespace leuko

#if LEUKO_WITH_CUDA
#define LEUKO_REAL_CUDA_KERNEL(fn) &::leuko::cuda::fn
#else
#define LEUKO_REAL_CUDA_KERNEL(fn) nullptr
#endif

#define LEUKO_DEVICE_KERNELS(fn)                                          \
  ::leuko::DeviceKernels<decltype(&::leuko::cpu::fn)> {                   \
    &::leuko::cpu::fn, LEUKO_REAL_CUDA_KERNEL(fn), &::leuko::cuda_emu::fn \
  }
