// Weight initializers with PyTorch's definitions (torch.nn.init): fan_in/fan_out of a
// weight [out, in, k...] are in*prod(k) and out*prod(k); gains as calculate_gain.
// All act in place on host-accessible tensors, without history.
#pragma once

#include <utility>

#include "engine/random.h"
#include "engine/tensor.h"

namespace leuko::init {

enum class Nonlinearity { linear, sigmoid, tanh, relu, leaky_relu };
enum class FanMode { fan_in, fan_out };

std::pair<int64_t, int64_t> fan_in_and_fan_out(const Shape& weight_shape);
float calculate_gain(Nonlinearity nonlinearity, float param = 0.01f);

void uniform_(const Tensor& t, float low, float high, Generator& g = default_generator());
void normal_(const Tensor& t, float mean, float std, Generator& g = default_generator());
void constant_(const Tensor& t, float value);

// Defaults as in PyTorch: a=0, fan_in, leaky_relu.
void kaiming_uniform_(const Tensor& t, float a = 0.0f, FanMode mode = FanMode::fan_in,
                      Nonlinearity nonlinearity = Nonlinearity::leaky_relu,
                      Generator& g = default_generator());
void kaiming_normal_(const Tensor& t, float a = 0.0f, FanMode mode = FanMode::fan_in,
                     Nonlinearity nonlinearity = Nonlinearity::leaky_relu,
                     Generator& g = default_generator());
void xavier_uniform_(const Tensor& t, float gain = 1.0f, Generator& g = default_generator());
void xavier_normal_(const Tensor& t, float gain = 1.0f, Generator& g = default_generator());

// PyTorch's default for Conv2d/Linear/ConvTranspose2d: weight kaiming_uniform_(a=sqrt(5)),
// i.e. U(+-1/sqrt(fan_in)), and bias U(+-1/sqrt(fan_in)). `fan_in` is passed explicitly
// because ConvTranspose2d computes it from its transposed weight layout.
void pytorch_default_(const Tensor& weight, const Tensor& bias, int64_t fan_in,
                      Generator& g = default_generator());

}  // namespace leuko::init
