// The Camelyon16 tumor/normal classifier of Study A (spec section 2.4): a frozen ResNet-18
// backbone (fc removed) and a small trainable head whose sigmoid 5-vector is the
// "penultimate feature" the combined WBC model reuses. 77,233 trainable parameters.
//
//   image 3x224x224 -> ResNet-18 features (512, frozen)
//     -> Linear 128 -> ReLU -> 64 -> ReLU -> 32 -> ReLU -> 32 -> ReLU -> 5 -> Sigmoid = penultimate
//     -> Linear 5 -> 2 = logits (normal, tumor)
#pragma once

#include <memory>

#include "engine/nn/linear.h"
#include "engine/nn/module.h"
#include "models/resnet.h"

namespace leuko::models {

class Cam16Classifier : public nn::Module {
 public:
  struct Output {
    Tensor penultimate;  // [N,5] in (0,1)
    Tensor logits;       // [N,2]
  };

  // The backbone is frozen with `backbone_freeze`; the studies used gradients_only.
  explicit Cam16Classifier(FreezeMode backbone_freeze = FreezeMode::gradients_only);
  Output run(const Tensor& x);
  Tensor forward(const Tensor& x) override { return run(x).logits; }
  ResNet& backbone() { return *backbone_; }

 private:
  std::shared_ptr<ResNet> backbone_;
  std::shared_ptr<nn::Linear> l1_, l2_, l3_, l4_, l5_, predictor_;
};

}  // namespace leuko::models
