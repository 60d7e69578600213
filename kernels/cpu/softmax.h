// softmax and log_softmax along one dimension, forward and backward. The tensor is seen as
// a contiguous [outer, size, inner] array and the op runs along the middle axis, so any
// dimension is handled in place, without transposing it to the end first.
#pragma once

#include <cstdint>

namespace leuko::cpu {

// y = exp(x - max) / sum(exp(x - max)) along the axis.
void softmax_forward(const float* x, float* y, int64_t outer, int64_t size, int64_t inner);
// grad_x = y * (grad_y - sum(grad_y * y)) along the axis.
void softmax_backward(const float* y, const float* grad_y, float* grad_x, int64_t outer,
                      int64_t size, int64_t inner);

// y = x - max - log(sum(exp(x - max))) along the axis.
void log_softmax_forward(const float* x, float* y, int64_t outer, int64_t size, int64_t inner);
// grad_x = grad_y - exp(y) * sum(grad_y) along the axis.
void log_softmax_backward(const float* y, const float* grad_y, float* grad_x, int64_t outer,
                          int64_t size, int64_t inner);

}  // namespace leuko::cpu
