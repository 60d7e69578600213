#include "models/study_b_nets.h"

#include "engine/error.h"
#include "engine/ops.h"

namespace leuko::models {

StudyBClassifier::StudyBClassifier(int64_t num_classes) {
  encoder_ = register_module("encoder", std::make_shared<ResNet>(ResNet::Depth::resnet18, 1000));
  head1_ = register_module("head1", std::make_shared<nn::Linear>(1000, 256));
  head2_ = register_module("head2", std::make_shared<nn::Linear>(256, 32));
  head3_ = register_module("head3", std::make_shared<nn::Linear>(32, num_classes));
}

Tensor StudyBClassifier::forward(const Tensor& x) {
  return (*head3_)(relu((*head2_)(relu((*head1_)((*encoder_)(x))))));
}

StudyBAutoencoder::StudyBAutoencoder(int side, int64_t width)
    : map_side_(side / 16), width_(width) {
  LEUKO_CHECK(side % 16 == 0 && side >= 16, "study_b_autoencoder: side ", side,
              " must be a positive multiple of 16 (the decoder doubles a side/16 map four times)");
  LEUKO_CHECK(width >= 8, "study_b_autoencoder: decoder width ", width,
              " must be at least 8 (it is halved three times)");
  encoder_ = register_module("encoder", std::make_shared<ResNet>(ResNet::Depth::resnet18, 1000));
  const int64_t cells = width * map_side_ * map_side_;
  fc_ = register_module("fc", std::make_shared<nn::Linear>(1000, cells));
  bn_ = register_module("bn", std::make_shared<nn::BatchNorm1d>(cells));
  int64_t channels = width;
  for (int k = 0; k < 4; ++k) {
    const int64_t out = k == 3 ? 3 : channels / 2;
    up_[k] = register_module(cat("up", k + 1),
                             std::make_shared<nn::ConvTranspose2d>(channels, out, 2, 2));
    channels = out;
  }
}

Tensor StudyBAutoencoder::forward(const Tensor& x) {
  Tensor h =
      relu((*bn_)((*fc_)((*encoder_)(x)))).reshape({x.size(0), width_, map_side_, map_side_});
  for (int k = 0; k < 3; ++k) h = relu((*up_[k])(h));
  return sigmoid((*up_[3])(h));
}

}  // namespace leuko::models
