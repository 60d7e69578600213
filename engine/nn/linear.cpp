#include "engine/nn/linear.h"

#include "engine/error.h"
#include "engine/init.h"
#include "engine/ops.h"

namespace leuko::nn {

Linear::Linear(int64_t in_features, int64_t out_features, bool bias)
    : in_features_(in_features), out_features_(out_features) {
  LEUKO_CHECK(in_features > 0 && out_features > 0,
              "Linear: feature counts must be positive, got in ", in_features, ", out ",
              out_features);
  weight = register_parameter("weight", empty({out_features, in_features}));
  if (bias) this->bias = register_parameter("bias", empty({out_features}));
  init::pytorch_default_(weight, this->bias, in_features);
}

Tensor Linear::forward(const Tensor& x) { return linear(x, weight, bias); }

}  // namespace leuko::nn
