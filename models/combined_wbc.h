// The combined ("pretrained") WBC classifier of Study A (spec section 2.5). Three views of one
// WBC image feed three branches whose 5-vectors are summed:
//
//   wbc 3x256x256  -> WbcNet (trainable, fresh)                         -> r
//   prcc 3x512x512 -> pRCC encoder (frozen) -> latent 128x64x64
//                  -> adapter: [conv3x3 -> ReLU -> BN -> MaxPool 2] x4 -> Linear 512->5 -> p
//   cam 3x224x224  -> Camelyon16 classifier (frozen) -> penultimate sigmoid 5-vector    -> q
//   logits = Linear 5->5 (p + q + r)
//
// 861,552 trainable parameters. The study also ran the frozen decoder and discarded its
// output; it has no state and no effect, so it is not run here.
#pragma once

#include <memory>

#include "engine/nn/batch_norm.h"
#include "engine/nn/conv2d.h"
#include "engine/nn/linear.h"
#include "engine/nn/module.h"
#include "models/cam16_classifier.h"
#include "models/prcc_autoencoder.h"
#include "models/wbc_net.h"

namespace leuko::models {

// conv 3x3/1/1 -> ReLU -> BatchNorm -> MaxPool 2 (BN after the activation, as in the study).
class ConvReluBnPool : public nn::Module {
 public:
  ConvReluBnPool(int64_t in_channels, int64_t out_channels);
  Tensor forward(const Tensor& x) override;

 private:
  std::shared_ptr<nn::Conv2d> conv_;
  std::shared_ptr<nn::BatchNorm2d> bn_;
};

class CombinedWbc : public nn::Module {
 public:
  // Takes the two pretrained models and freezes them with `freeze_mode`.
  CombinedWbc(std::shared_ptr<PrccAutoencoder> prcc, std::shared_ptr<Cam16Classifier> cam16,
              FreezeMode freeze_mode, int64_t num_classes = 5);
  // The frozen pRCC encoder: [N,3,512,512] -> latent [N,128,64,64]. It has no batch
  // statistics, so a cache may hold its outputs (engine/nn/frozen_output_cache.h).
  Tensor prcc_latent(const Tensor& prcc512);
  Tensor run(const Tensor& wbc256, const Tensor& prcc_latent, const Tensor& cam224);

 private:
  std::shared_ptr<PrccAutoencoder> prcc_;
  std::shared_ptr<Cam16Classifier> cam16_;
  std::shared_ptr<WbcNet> wbc_;
  std::shared_ptr<nn::Sequential> adapter_;
  std::shared_ptr<nn::Linear> adapter_fc_, combiner_;
};

}  // namespace leuko::models
