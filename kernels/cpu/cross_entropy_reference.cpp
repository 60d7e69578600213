// loss = sum_i w[y_i] (logsumexp(x_i) - x_i[y_i]) / sum_i w[y_i], and
// d loss / d x_i[c] = w[y_i] / sum_i w[y_i] * (softmax(x_i)[c] - [c == y_i]).
#include "kernels/cpu/cross_entropy.h"

#include <cmath>

namespace leuko::cpu::reference {

// log(sum_c exp(x[c])), with the row's maximum taken out first so no exp overflows.
static double logsumexp(const float* x, int64_t k) {
  double max = x[0];
  for (int64_t c = 1; c < k; ++c) max = x[c] > max ? x[c] : max;
  double sum = 0.0;
  for (int64_t c = 0; c < k; ++c) sum += std::exp(x[c] - max);
  return max + std::log(sum);
}

CrossEntropyForward cross_entropy_forward(const float* logits, const int64_t* labels,
                                          const float* class_weights, int64_t n, int64_t k,
                                          float* row_logsumexp) {
  double weighted_nll = 0.0, weight_total = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    const double lse = logsumexp(logits + i * k, k);
    row_logsumexp[i] = static_cast<float>(lse);
    const double w = class_weights ? class_weights[labels[i]] : 1.0;
    weighted_nll += w * (lse - logits[i * k + labels[i]]);
    weight_total += w;
  }
  return {static_cast<float>(weighted_nll / weight_total), static_cast<float>(weight_total)};
}

// The softmax is rebuilt from the logits (the saved row_logsumexp is not needed here).
void cross_entropy_backward(const float* logits, const int64_t* labels, const float* class_weights,
                            const float* /*row_logsumexp*/, int64_t n, int64_t k,
                            float weight_total, float grad_loss, float* grad_logits) {
  for (int64_t i = 0; i < n; ++i) {
    const double lse = logsumexp(logits + i * k, k);
    const double w = class_weights ? class_weights[labels[i]] : 1.0;
    for (int64_t c = 0; c < k; ++c) {
      const double softmax = std::exp(logits[i * k + c] - lse);
      const double one_hot = c == labels[i] ? 1.0 : 0.0;
      grad_logits[i * k + c] =
          static_cast<float>(grad_loss * w / weight_total * (softmax - one_hot));
    }
  }
}

}  // namespace leuko::cpu::reference
