// Fused softmax cross-entropy with optional class weights on the GPU, forward and backward:
//   loss = sum_i w[y_i] * (logsumexp(x_i) - x_i[y_i]) / sum_i w[y_i]     (w = 1 if absent)
// The scalars (loss, the weight total, the incoming gradient) stay on the device.
#pragma once

#include <cstdint>

#include "kernels/cuda/backends.h"

LEUKO_CUDA_BACKENDS(
    // logits [n, k] contiguous, labels [n] each in [0, k) (checked by the caller),
    // class_weights [k] or nullptr. Writes row_logsumexp [n] (for backward), loss[0] and
    // weight_total[0] (sum_i w[y_i]).
    void cross_entropy_forward(const float* logits, const int64_t* labels,
                               const float* class_weights, int64_t n, int64_t k,
                               float* row_logsumexp, float* loss, float* weight_total);
    // grad_logits[i, c] = grad_loss[0] * w[y_i] / weight_total[0] * (softmax(x_i)[c] - [c == y_i]).
    void cross_entropy_backward(const float* logits, const int64_t* labels,
                                const float* class_weights, const float* row_logsumexp, int64_t n,
                                int64_t k, const float* weight_total, const float* grad_loss,
                                float* grad_logits);)
