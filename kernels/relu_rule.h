// ReLU's one rule, for every kernel that applies it (relu, add_relu, batch_norm_relu and so
// conv_batch_norm_relu; the readable references, the fast CPU kernels and the CUDA kernels):
// max(v, 0) with a NaN kept, as PyTorch's relu keeps it. fmaxf(v, 0) would turn a NaN into 0
// and hide a diverged step from the trainer's NaN check.
#pragma once

#include "kernels/op_params.h"  // LEUKO_HOST_DEVICE

namespace leuko {

LEUKO_HOST_DEVICE inline float relu_of(float v) { return v < 0.0f ? 0.0f : v; }

}  // namespace leuko
