// The activations and their derivatives, element by element, straight from the formulas.
#include "kernels/cpu/activation.h"

#include <algorithm>
#include <cmath>

namespace leuko::cpu::reference {

// y = max(x, 0) (a NaN stays NaN); dy/dx = 1 where y > 0, else 0.
void relu_forward(const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = std::max(x[i], 0.0f);
}
void relu_backward(const float* y, const float* grad_y, float* grad_x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) grad_x[i] = y[i] > 0.0f ? grad_y[i] : 0.0f;
}

// y = x for x > 0, slope * x otherwise; dy/dx = 1 or slope.
void leaky_relu_forward(const float* x, float* y, int64_t n, float slope) {
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] > 0.0f ? x[i] : slope * x[i];
}
void leaky_relu_backward(const float* x, const float* grad_y, float* grad_x, int64_t n,
                         float slope) {
  for (int64_t i = 0; i < n; ++i) grad_x[i] = x[i] > 0.0f ? grad_y[i] : slope * grad_y[i];
}

// y = x for x > 0, alpha (e^x - 1) otherwise; dy/dx = alpha e^x = y + alpha there.
void elu_forward(const float* x, float* y, int64_t n, float alpha) {
  for (int64_t i = 0; i < n; ++i) {
    y[i] = x[i] > 0.0f ? x[i] : static_cast<float>(alpha * std::expm1(double{x[i]}));
  }
}
void elu_backward(const float* y, const float* grad_y, float* grad_x, int64_t n, float alpha) {
  for (int64_t i = 0; i < n; ++i) {
    grad_x[i] = y[i] > 0.0f ? grad_y[i] : static_cast<float>(double{grad_y[i]} * (y[i] + alpha));
  }
}

// y = 1 / (1 + e^-x); dy/dx = y (1 - y).
void sigmoid_forward(const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = static_cast<float>(1.0 / (1.0 + std::exp(-double{x[i]})));
}
void sigmoid_backward(const float* y, const float* grad_y, float* grad_x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    grad_x[i] = static_cast<float>(double{grad_y[i]} * y[i] * (1.0 - y[i]));
  }
}

// y = tanh(x); dy/dx = 1 - y^2.
void tanh_forward(const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = static_cast<float>(std::tanh(double{x[i]}));
}
void tanh_backward(const float* y, const float* grad_y, float* grad_x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    grad_x[i] = static_cast<float>(double{grad_y[i]} * (1.0 - double{y[i]} * y[i]));
  }
}

}  // namespace leuko::cpu::reference
