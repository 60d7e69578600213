#include "engine/random.h"

#include <cmath>
#include <cstring>
#include <sstream>

#include "engine/error.h"

namespace leuko {

void Generator::manual_seed(uint64_t seed) {
  engine_.seed(seed);
  has_spare_ = false;
}

float Generator::uniform() {
  // 24 random bits -> exactly representable floats in [0, 1).
  return static_cast<float>(engine_() >> 40) * (1.0f / 16777216.0f);
}

float Generator::normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  double u1 = 0.0;
  while (u1 <= 0.0) u1 = static_cast<double>(engine_() >> 11) * (1.0 / 9007199254740992.0);
  const double u2 = static_cast<double>(engine_() >> 11) * (1.0 / 9007199254740992.0);
  const double radius = std::sqrt(-2.0 * std::log(u1));
  spare_ = static_cast<float>(radius * std::sin(2.0 * M_PI * u2));
  has_spare_ = true;
  return static_cast<float>(radius * std::cos(2.0 * M_PI * u2));
}

std::string Generator::state() const {
  // The spare normal is stored by its bits: printing a float in decimal would round it.
  uint32_t spare_bits = 0;
  std::memcpy(&spare_bits, &spare_, sizeof spare_bits);
  std::ostringstream out;
  out << engine_ << ' ' << has_spare_ << ' ' << spare_bits;
  return out.str();
}

void Generator::set_state(const std::string& state) {
  std::istringstream in(state);
  uint32_t spare_bits = 0;
  in >> engine_ >> has_spare_ >> spare_bits;
  LEUKO_CHECK(!in.fail(), "Generator::set_state: not a generator state string");
  std::memcpy(&spare_, &spare_bits, sizeof spare_);
}

Generator& default_generator() {
  static Generator generator(0);
  return generator;
}

void manual_seed(uint64_t seed) { default_generator().manual_seed(seed); }

Tensor uniform(const Shape& shape, float low, float high, Generator& generator) {
  Tensor t = empty(shape);
  float* p = t.data<float>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = low + (high - low) * generator.uniform();
  return t;
}

Tensor rand(const Shape& shape, Generator& generator) {
  return uniform(shape, 0.0f, 1.0f, generator);
}

Tensor randn(const Shape& shape, Generator& generator) {
  Tensor t = empty(shape);
  float* p = t.data<float>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = generator.normal();
  return t;
}

}  // namespace leuko
