// Argument checks shared by batch_norm and batch_norm_relu (same arguments, same rules);
// `op` names the op in every message.
#pragma once

#include "engine/tensor.h"

namespace leuko {

// x 2-D [N, C] or 4-D [N, C, H, W] float32; weight, bias, running_mean, running_var each
// undefined or [C] float32 on x's device; the running buffers given together, contiguous;
// more than one value per channel when batch statistics are used.
void check_batch_norm_arguments(const char* op, const Tensor& x, const Tensor& weight,
                                const Tensor& bias, const Tensor& running_mean,
                                const Tensor& running_var, bool training);

}  // namespace leuko
