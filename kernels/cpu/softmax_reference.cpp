// Along each line x_0 .. x_{size-1} (element d of line (o, j) is at (o * size + d) * inner + j):
//   softmax:      y_d = exp(x_d - max) / sum_e exp(x_e - max),
//                 dx_d = y_d (dy_d - sum_e dy_e y_e);
//   log_softmax:  y_d = x_d - max - log(sum_e exp(x_e - max)),
//                 dx_d = dy_d - exp(y_d) sum_e dy_e.
// Subtracting the maximum changes nothing mathematically and keeps every exp <= 1.
#include "kernels/cpu/softmax.h"

#include <cmath>

namespace leuko::cpu::reference {

// log(sum_d exp(x_d)) of one line, and its maximum.
static double line_logsumexp(const float* x, int64_t size, int64_t inner) {
  double max = x[0];
  for (int64_t d = 1; d < size; ++d) max = x[d * inner] > max ? x[d * inner] : max;
  double sum = 0.0;
  for (int64_t d = 0; d < size; ++d) sum += std::exp(x[d * inner] - max);
  return max + std::log(sum);
}

// Calls line(first) for every line: its element d is at first + d * inner.
template <typename Line>
static void for_each_line(int64_t outer, int64_t size, int64_t inner, Line line) {
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < inner; ++j) line(o * size * inner + j);
}

void softmax_forward(const float* x, float* y, int64_t outer, int64_t size, int64_t inner) {
  for_each_line(outer, size, inner, [&](int64_t first) {
    const double lse = line_logsumexp(x + first, size, inner);
    for (int64_t d = 0; d < size; ++d) {
      y[first + d * inner] = static_cast<float>(std::exp(x[first + d * inner] - lse));
    }
  });
}

void softmax_backward(const float* y, const float* grad_y, float* grad_x, int64_t outer,
                      int64_t size, int64_t inner) {
  for_each_line(outer, size, inner, [&](int64_t first) {
    double dot = 0.0;
    for (int64_t d = 0; d < size; ++d)
      dot += double{grad_y[first + d * inner]} * y[first + d * inner];
    for (int64_t d = 0; d < size; ++d) {
      const int64_t i = first + d * inner;
      grad_x[i] = static_cast<float>(y[i] * (grad_y[i] - dot));
    }
  });
}

void log_softmax_forward(const float* x, float* y, int64_t outer, int64_t size, int64_t inner) {
  for_each_line(outer, size, inner, [&](int64_t first) {
    const double lse = line_logsumexp(x + first, size, inner);
    for (int64_t d = 0; d < size; ++d) {
      y[first + d * inner] = static_cast<float>(x[first + d * inner] - lse);
    }
  });
}

void log_softmax_backward(const float* y, const float* grad_y, float* grad_x, int64_t outer,
                          int64_t size, int64_t inner) {
  for_each_line(outer, size, inner, [&](int64_t first) {
    double sum = 0.0;
    for (int64_t d = 0; d < size; ++d) sum += grad_y[first + d * inner];
    for (int64_t d = 0; d < size; ++d) {
      const int64_t i = first + d * inner;
      grad_x[i] = static_cast<float>(grad_y[i] - std::exp(double{y[i]}) * sum);
    }
  });
}

}  // namespace leuko::cpu::reference
