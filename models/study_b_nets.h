// Study B's networks (Kan-Hon, spec section 3.1): one ResNet-18 encoder shared by a
// classifier and an autoencoder. Both name it "encoder.", so a later stage of the study's
// pretraining chain starts from an earlier stage's encoder by loading its weights
// non-strictly (the head or decoder of the other network is simply not in the file).
//
//   encoder      ResNet-18 (BasicBlock [2,2,2,2]) whose fc is Linear 512 -> 1000: the latent
//                (no activation after it); 11,689,512 parameters
//   classifier   encoder -> Linear 1000 -> 256 -> ReLU -> Linear 256 -> 32 -> ReLU -> Linear 32 ->
//   C
//                11,954,157 parameters for C = 5 (the study's count), 11,954,058 for C = 2
//   autoencoder  encoder -> Linear 1000 -> width x side/16 x side/16 -> BN1d -> ReLU -> reshape
//                -> 4 x ConvTranspose 2x2/2 (each doubles the side and halves the channels,
//                ReLU between; the last gives 3 channels) -> Sigmoid: 3 x side x side
//
// The study's decoder (three 4096-wide linears, nearest upsampling, transposed convs up to
// 12x12: 61,148,035 parameters, only for 224x224) is replaced by this smaller one, sized by
// the input side, so the reduced-resolution profiles can run the same chain. With side 224
// and width 256 it has 50,499,171 parameters (62,188,683 with the encoder).
#pragma once

#include <array>
#include <memory>

#include "engine/nn/batch_norm.h"
#include "engine/nn/conv_transpose2d.h"
#include "engine/nn/linear.h"
#include "engine/nn/module.h"
#include "models/resnet.h"

namespace leuko::models {

class StudyBClassifier : public nn::Module {
 public:
  explicit StudyBClassifier(int64_t num_classes = 5);
  Tensor forward(const Tensor& x) override;  // [N,3,H,W] -> [N,num_classes] logits
  ResNet& encoder() { return *encoder_; }

 private:
  std::shared_ptr<ResNet> encoder_;
  std::shared_ptr<nn::Linear> head1_, head2_, head3_;
};

class StudyBAutoencoder : public nn::Module {
 public:
  // side: input and output side, a multiple of 16 (the decoder doubles a side/16 map four
  // times); width: channels of the decoder's first map, at least 8 (halved three times).
  StudyBAutoencoder(int side = 224, int64_t width = 256);
  Tensor forward(const Tensor& x) override;  // [N,3,side,side] -> [N,3,side,side] in (0,1)
  ResNet& encoder() { return *encoder_; }

 private:
  int64_t map_side_, width_;
  std::shared_ptr<ResNet> encoder_;
  std::shared_ptr<nn::Linear> fc_;
  std::shared_ptr<nn::BatchNorm1d> bn_;
  std::array<std::shared_ptr<nn::ConvTranspose2d>, 4> up_;
};

}  // namespace leuko::models
