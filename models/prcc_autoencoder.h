// The pRCC convolutional autoencoder of Study A (spec section 2.3), trained with the SSIM
// loss. 134,691 parameters; input 3x512x512, latent 128x64x64.
//
//   encoder: [conv3x3 -> ReLU -> MaxPool 2] x3   3 -> 32 -> 64 -> 128      = latent
//   decoder: [ConvTranspose 2x2/2 -> ReLU] x2, ConvTranspose 2x2/2 -> Sigmoid  128 -> 64 -> 32 -> 3
//
// The study's class also declared five BatchNorm layers that its forward never used (their
// 966 parameters make torchinfo's 135,657); leuko builds only the layers that run.
#pragma once

#include <memory>

#include "engine/nn/conv2d.h"
#include "engine/nn/conv_transpose2d.h"
#include "engine/nn/module.h"

namespace leuko::models {

class PrccAutoencoder : public nn::Module {
 public:
  PrccAutoencoder();
  Tensor encode(const Tensor& x);       // [N,3,H,W] -> [N,128,H/8,W/8]
  Tensor decode(const Tensor& latent);  // -> [N,3,H,W] in (0,1)
  Tensor forward(const Tensor& x) override { return decode(encode(x)); }

  static constexpr int64_t unused_batchnorm_parameters = 966;  // counted by the study's torchinfo

 private:
  std::shared_ptr<nn::Conv2d> enc1_, enc2_, enc3_;
  std::shared_ptr<nn::ConvTranspose2d> dec3_, dec2_, dec1_;
};

}  // namespace leuko::models
