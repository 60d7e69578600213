#include "models/prcc_autoencoder.h"

#include "engine/ops.h"

namespace leuko::models {

PrccAutoencoder::PrccAutoencoder() {
  enc1_ = register_module("enc1", std::make_shared<nn::Conv2d>(3, 32, 3, 1, 1));
  enc2_ = register_module("enc2", std::make_shared<nn::Conv2d>(32, 64, 3, 1, 1));
  enc3_ = register_module("enc3", std::make_shared<nn::Conv2d>(64, 128, 3, 1, 1));
  dec3_ = register_module("dec3", std::make_shared<nn::ConvTranspose2d>(128, 64, 2, 2));
  dec2_ = register_module("dec2", std::make_shared<nn::ConvTranspose2d>(64, 32, 2, 2));
  dec1_ = register_module("dec1", std::make_shared<nn::ConvTranspose2d>(32, 3, 2, 2));
}

// Each encoder step is conv -> ReLU -> 2x2 max pool, computed as conv -> pool -> ReLU: max
// pooling commutes with a non-decreasing activation (the same values, the same gradients),
// and pooling first makes the ReLU, and the output it keeps for backward, 4x smaller.
Tensor PrccAutoencoder::encode(const Tensor& x) {
  Tensor h = relu(max_pool2d((*enc1_)(x), 2, 2));
  h = relu(max_pool2d((*enc2_)(h), 2, 2));
  return relu(max_pool2d((*enc3_)(h), 2, 2));
}

Tensor PrccAutoencoder::decode(const Tensor& latent) {
  Tensor h = relu((*dec3_)(latent));
  h = relu((*dec2_)(h));
  return sigmoid((*dec1_)(h));
}

}  // namespace leuko::models
