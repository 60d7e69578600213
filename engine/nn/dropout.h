// Dropout as torch.nn.Dropout: inverted dropout with probability p in training mode, the
// identity in eval mode. The masks come from the given generator (the default one unless
// a run wants dropout's randomness apart from, say, the data order).
#pragma once

#include "engine/nn/module.h"
#include "engine/random.h"

namespace leuko::nn {

class Dropout : public Module {
 public:
  explicit Dropout(float p = 0.5f, Generator& generator = default_generator());
  Tensor forward(const Tensor& x) override;
  float p() const { return p_; }

 private:
  float p_;
  Generator* generator_;  // not owned: generators outlive the models that draw from them
};

}  // namespace leuko::nn
