#include "engine/nn/dropout.h"

#include "engine/error.h"
#include "engine/ops.h"

namespace leuko::nn {

Dropout::Dropout(float p, Generator& generator) : p_(p), generator_(&generator) {
  LEUKO_CHECK(p >= 0.0f && p <= 1.0f, "Dropout: probability p must be in [0, 1], got ", p);
}

Tensor Dropout::forward(const Tensor& x) { return dropout(x, p_, is_training(), *generator_); }

}  // namespace leuko::nn
