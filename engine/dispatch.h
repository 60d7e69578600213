// Device dispatch helpers for the ops. An op calls its CPU kernel for Device::cpu and its
// CUDA launcher for Device::cuda / cuda_emu; until a device has a kernel for an op, the op
// reports that plainly instead of touching memory it cannot read.
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
