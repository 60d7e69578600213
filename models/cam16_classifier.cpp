#include "models/cam16_classifier.h"

#include "engine/ops.h"

namespace leuko::models {

Cam16Classifier::Cam16Classifier(FreezeMode backbone_freeze) {
  backbone_ = register_module("backbone", std::make_shared<ResNet>(ResNet::Depth::resnet18, 0));
  backbone_->freeze(backbone_freeze);
  l1_ = register_module("l1", std::make_shared<nn::Linear>(512, 128));
  l2_ = register_module("l2", std::make_shared<nn::Linear>(128, 64));
  l3_ = register_module("l3", std::make_shared<nn::Linear>(64, 32));
  l4_ = register_module("l4", std::make_shared<nn::Linear>(32, 32));
  l5_ = register_module("l5", std::make_shared<nn::Linear>(32, 5));
  predictor_ = register_module("predictor", std::make_shared<nn::Linear>(5, 2));
}

Cam16Classifier::Output Cam16Classifier::run(const Tensor& x) {
  Tensor h = relu((*l1_)(backbone_->features(x)));
  h = relu((*l2_)(h));
  h = relu((*l3_)(h));
  h = relu((*l4_)(h));
  const Tensor penultimate = sigmoid((*l5_)(h));
  return {penultimate, (*predictor_)(penultimate)};
}

}  // namespace leuko::models
