#include "engine/nn/activation.h"

#include "engine/ops.h"

namespace leuko::nn {

Tensor ReLU::forward(const Tensor& x) { return relu(x); }
Tensor ELU::forward(const Tensor& x) { return elu(x, alpha_); }
Tensor LeakyReLU::forward(const Tensor& x) { return leaky_relu(x, negative_slope_); }
Tensor Sigmoid::forward(const Tensor& x) { return sigmoid(x); }
Tensor Tanh::forward(const Tensor& x) { return leuko::tanh(x); }
Tensor Softmax::forward(const Tensor& x) { return softmax(x, dim_); }
Tensor Flatten::forward(const Tensor& x) { return flatten(x, start_dim_, end_dim_); }
Tensor Identity::forward(const Tensor& x) { return x; }

}  // namespace leuko::nn
