// Seeded random numbers. One Generator per purpose (init, dropout, data order) keeps runs
// reproducible; its state can be saved in a checkpoint and restored exactly.
#pragma once

#include <cstdint>
#include <random>
#include <string>

#include "engine/tensor.h"

namespace leuko {

class Generator {
 public:
  explicit Generator(uint64_t seed = 0) { manual_seed(seed); }
  void manual_seed(uint64_t seed);
  uint64_t next_u64() { return engine_(); }
  float uniform();  // [0, 1)
  float normal();   // standard normal (Box-Muller, platform independent)
  std::string state() const;
  void set_state(const std::string& state);

 private:
  std::mt19937_64 engine_;
  bool has_spare_ = false;
  float spare_ = 0.0f;
};

Generator& default_generator();
void manual_seed(uint64_t seed);  // seeds the default generator

Tensor rand(const Shape& shape, Generator& generator = default_generator());   // U[0,1)
Tensor randn(const Shape& shape, Generator& generator = default_generator());  // N(0,1)
Tensor uniform(const Shape& shape, float low, float high,
               Generator& generator = default_generator());

}  // namespace leuko
