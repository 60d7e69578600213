// Softmax cross-entropy with optional class weights, fused: log-softmax and the weighted
// negative log-likelihood in one pass over the logits, and the gradient in one more.
//   loss = sum_i w[y_i] * (logsumexp(x_i) - x_i[y_i]) / sum_i w[y_i]     (w = 1 if absent)
//
// Declared for both CPU implementations (kernels/cpu/backends.h): leuko::cpu, the fast kernels in
// cross_entropy.cpp, and leuko::cpu::reference, the readable reference in
// cross_entropy_reference.cpp: row by row in double with the C library's exp and log; no OpenMP.
#pragma once

#include <cstdint>

#include "kernels/cpu/backends.h"

namespace leuko::cpu {

struct CrossEntropyForward {
  float loss;          // the weighted mean above
  float weight_total;  // sum_i w[y_i], the denominator (backward needs it)
};

}  // namespace leuko::cpu

LEUKO_CPU_BACKENDS(
    // logits [n, k] contiguous, labels [n] each in [0, k), class_weights [k] or nullptr.
    // Writes each row's logsumexp to row_logsumexp [n] so backward can rebuild the softmax.
    CrossEntropyForward cross_entropy_forward(const float* logits, const int64_t* labels,
                                              const float* class_weights, int64_t n, int64_t k,
                                              float* row_logsumexp);

    // grad_logits[i, c] = grad_loss * w[y_i] / weight_total * (softmax(x_i)[c] - [c == y_i]).
    void cross_entropy_backward(const float* logits, const int64_t* labels,
                                const float* class_weights, const float* row_logsumexp, int64_t n,
                                int64_t k, float weight_total, float grad_loss,
                                float* grad_logits);)
