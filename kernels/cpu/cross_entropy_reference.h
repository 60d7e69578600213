// The readable reference of softmax cross-entropy (cross_entropy.h): the same kernels, names
// and signatures, row by row in double with the C library's exp and log; no OpenMP.
#pragma once

#include <cstdint>

#include "kernels/cpu/cross_entropy.h"

namespace leuko::cpu::reference {

CrossEntropyForward cross_entropy_forward(const float* logits, const int64_t* labels,
                                          const float* class_weights, int64_t n, int64_t k,
                                          float* row_logsumexp);
void cross_entropy_backward(const float* logits, const int64_t* labels, const float* class_weights,
                            const float* row_logsumexp, int64_t n, int64_t k, float weight_total,
                            float grad_loss, float* grad_logits);

}  // namespace leuko::cpu::reference
