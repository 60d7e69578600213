#include "models/combined_wbc.h"

#include "engine/ops.h"

namespace leuko::models {

ConvReluBnPool::ConvReluBnPool(int64_t in_channels, int64_t out_channels) {
  conv_ = register_module("conv", std::make_shared<nn::Conv2d>(in_channels, out_channels, 3, 1, 1));
  bn_ = register_module("bn", std::make_shared<nn::BatchNorm2d>(out_channels));
}

Tensor ConvReluBnPool::forward(const Tensor& x) {
  return max_pool2d((*bn_)(relu((*conv_)(x))), 2, 2);
}

CombinedWbc::CombinedWbc(std::shared_ptr<PrccAutoencoder> prcc,
                         std::shared_ptr<Cam16Classifier> cam16, FreezeMode freeze_mode,
                         int64_t num_classes) {
  prcc_ = register_module("prcc", std::move(prcc));
  cam16_ = register_module("cam16", std::move(cam16));
  prcc_->freeze(freeze_mode);
  cam16_->freeze(freeze_mode);
  adapter_ = register_module(
      "adapter",
      std::make_shared<nn::Sequential>(std::vector<std::shared_ptr<nn::Module>>{
          std::make_shared<ConvReluBnPool>(128, 256), std::make_shared<ConvReluBnPool>(256, 128),
          std::make_shared<ConvReluBnPool>(128, 64), std::make_shared<ConvReluBnPool>(64, 32)}));
  adapter_fc_ = register_module("adapter_fc", std::make_shared<nn::Linear>(512, num_classes));
  wbc_ = register_module("wbc", std::make_shared<WbcNet>(num_classes));
  combiner_ = register_module("combiner", std::make_shared<nn::Linear>(num_classes, num_classes));
}

Tensor CombinedWbc::prcc_latent(const Tensor& prcc512) { return prcc_->encode(prcc512); }

Tensor CombinedWbc::run(const Tensor& wbc256, const Tensor& prcc_latent, const Tensor& cam224) {
  const Tensor p = (*adapter_fc_)(flatten((*adapter_)(prcc_latent)));
  const Tensor q = cam16_->run(cam224).penultimate;
  const Tensor r = (*wbc_)(wbc256);
  return (*combiner_)(p + q + r);
}

}  // namespace leuko::models
