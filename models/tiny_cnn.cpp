#include "models/tiny_cnn.h"

#include "engine/ops.h"

namespace leuko::models {

TinyCnn::TinyCnn(int64_t num_classes) {
  conv1_ = register_module("conv1", std::make_shared<nn::Conv2d>(3, 16, 3, 1, 1));
  bn1_ = register_module("bn1", std::make_shared<nn::BatchNorm2d>(16));
  conv2_ = register_module("conv2", std::make_shared<nn::Conv2d>(16, 32, 3, 1, 1));
  bn2_ = register_module("bn2", std::make_shared<nn::BatchNorm2d>(32));
  conv3_ = register_module("conv3", std::make_shared<nn::Conv2d>(32, 64, 3, 1, 1));
  bn3_ = register_module("bn3", std::make_shared<nn::BatchNorm2d>(64));
  fc_ = register_module("fc", std::make_shared<nn::Linear>(64, num_classes));
}

Tensor TinyCnn::forward(const Tensor& x) {
  Tensor h = max_pool2d(relu((*bn1_)((*conv1_)(x))), 2, 2);
  h = max_pool2d(relu((*bn2_)((*conv2_)(h))), 2, 2);
  h = relu((*bn3_)((*conv3_)(h)));
  return (*fc_)(flatten(global_avg_pool(h)));
}

}  // namespace leuko::models
