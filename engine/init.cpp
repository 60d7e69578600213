#include "engine/init.h"

#include <cmath>

#include "engine/error.h"

namespace leuko::init {

std::pair<int64_t, int64_t> fan_in_and_fan_out(const Shape& shape) {
  LEUKO_CHECK(shape.size() >= 2, "init: fan in/out needs a weight with >= 2 dims, got ",
              to_string(shape));
  int64_t receptive = 1;
  for (size_t i = 2; i < shape.size(); ++i) receptive *= shape[i];
  return {shape[1] * receptive, shape[0] * receptive};
}

float calculate_gain(Nonlinearity nonlinearity, float param) {
  switch (nonlinearity) {
    case Nonlinearity::linear:
    case Nonlinearity::sigmoid:
      return 1.0f;
    case Nonlinearity::tanh:
      return 5.0f / 3.0f;
    case Nonlinearity::relu:
      return std::sqrt(2.0f);
    case Nonlinearity::leaky_relu:
      return std::sqrt(2.0f / (1.0f + param * param));
  }
  return 1.0f;
}

static void fill_with(const Tensor& t, const Tensor& values) { t.copy_(values); }

void uniform_(const Tensor& t, float low, float high, Generator& g) {
  fill_with(t, uniform(t.shape(), low, high, g));
}

void normal_(const Tensor& t, float mean, float std, Generator& g) {
  Tensor values = randn(t.shape(), g);
  float* p = values.data<float>();
  for (int64_t i = 0; i < values.numel(); ++i) p[i] = mean + std * p[i];
  fill_with(t, values);
}

void constant_(const Tensor& t, float value) { t.fill_(value); }

static float kaiming_std(const Tensor& t, float a, FanMode mode, Nonlinearity nonlinearity) {
  const auto [fan_in, fan_out] = fan_in_and_fan_out(t.shape());
  const float fan = static_cast<float>(mode == FanMode::fan_in ? fan_in : fan_out);
  return calculate_gain(nonlinearity, a) / std::sqrt(fan);
}

void kaiming_uniform_(const Tensor& t, float a, FanMode mode, Nonlinearity nl, Generator& g) {
  const float bound = std::sqrt(3.0f) * kaiming_std(t, a, mode, nl);
  uniform_(t, -bound, bound, g);
}

void kaiming_normal_(const Tensor& t, float a, FanMode mode, Nonlinearity nl, Generator& g) {
  normal_(t, 0.0f, kaiming_std(t, a, mode, nl), g);
}

void xavier_uniform_(const Tensor& t, float gain, Generator& g) {
  const auto [fan_in, fan_out] = fan_in_and_fan_out(t.shape());
  const float bound = gain * std::sqrt(6.0f / static_cast<float>(fan_in + fan_out));
  uniform_(t, -bound, bound, g);
}

void xavier_normal_(const Tensor& t, float gain, Generator& g) {
  const auto [fan_in, fan_out] = fan_in_and_fan_out(t.shape());
  normal_(t, 0.0f, gain * std::sqrt(2.0f / static_cast<float>(fan_in + fan_out)), g);
}

void pytorch_default_(const Tensor& weight, const Tensor& bias, int64_t fan_in, Generator& g) {
  const float bound = 1.0f / std::sqrt(static_cast<float>(fan_in));
  uniform_(weight, -bound, bound, g);
  if (bias.defined()) uniform_(bias, -bound, bound, g);
}

}  // namespace leuko::init
