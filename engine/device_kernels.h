// How an op calls a kernel: through a table with one entry per device, looked up by the
// tensors' device (as dlib's tt:: functions pick cuDNN or the CPU). Every op in engine/ops
// does it this way, for every kernel it calls:
//
//   const auto forward = LEUKO_DEVICE_KERNELS(relu_forward);  // cpu::, cuda::, cuda_emu::
//   forward.on(x.device(), "relu")(x_data, y_data, n);
//
// LEUKO_DEVICE_KERNELS(fn) lists leuko::cpu::fn (kernels/cpu), leuko::cuda::fn (the CUDA
// kernel built by nvcc, for a real GPU) and leuko::cuda_emu::fn (the same CUDA kernel under
// the SIMT emulator). Every entry of one table has the same signature. Where the backends'
// functions differ, the op lists its own entries, with a small adapter of the table's
// signature where one is needed:
//
//   // the CPU returns the loss, the GPU writes it into device memory
//   static void cpu_forward(const float* p, const float* t, int64_t n, float* loss) {
//     *loss = cpu::mse_forward(p, t, n);
//   }
//   const DeviceKernels<decltype(&cpu_forward)> forward{
//       &cpu_forward, LEUKO_REAL_CUDA(&cuda::mse_forward), &cuda_emu::mse_forward};
//
// LEUKO_REAL_CUDA(entry) is the entry in a build with nvcc, and null without one. An entry
// is also null where a device has no kernel of its own (LEUKO_CUDA_KERNELS(fn): an op whose
// CPU side runs as a composition of other ops); on() then stops with a clear error.
#pragma once

#include "engine/error.h"
#include "engine/tensor.h"

namespace leuko {

[[noreturn]] inline void unsupported_device(const char* op, Device device) {
  throw Error(cat(op, ": no implementation for device ", to_string(device), " in this build"));
}

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
#define LEUKO_REAL_CUDA(entry) entry
#else
#define LEUKO_REAL_CUDA(entry) nullptr
#endif

// The kernel `fn` of the same name and signature in kernels/cpu and kernels/cuda.
#define LEUKO_DEVICE_KERNELS(fn)                                                   \
  ::leuko::DeviceKernels<decltype(&::leuko::cpu::fn)> {                            \
    &::leuko::cpu::fn, LEUKO_REAL_CUDA(&::leuko::cuda::fn), &::leuko::cuda_emu::fn \
  }

// A CUDA kernel with no CPU counterpart (the op runs other ops on the CPU).
#define LEUKO_CUDA_KERNELS(fn)                                           \
  ::leuko::DeviceKernels<decltype(&::leuko::cuda_emu::fn)> {             \
    nullptr, LEUKO_REAL_CUDA(&::leuko::cuda::fn), &::leuko::cuda_emu::fn \
  }
