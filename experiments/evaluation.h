// Losses and evaluation passes shared by `leuko train` (validation each epoch, the final
// test) and `leuko eval`: one place that says how a batch becomes a loss and how a split
// becomes metrics.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "engine/data/loader.h"
#include "engine/metrics.h"
#include "experiments/model_zoo.h"

namespace leuko::cli {

enum class LossKind { cross_entropy, ssim, mse };
LossKind parse_loss_kind(const std::string& name);  // "cross-entropy", "ssim", "mse"
const char* to_string(LossKind kind);

struct LossSettings {
  LossKind kind = LossKind::cross_entropy;
  Tensor class_weights;             // cross-entropy only; undefined: unweighted
  float ssim_data_range = 255.0f;   // pytorch_msssim's default, as Study A used it (spec 2.3)
};

// The loss of one batch: cross-entropy against the labels, or SSIM / MSE of the
// reconstruction against the input images.
Tensor batch_loss(const LossSettings& loss, const Tensor& output, const Tensor& images,
                  const Tensor& labels);

struct Evaluation {
  double loss = 0.0;  // mean of the per-batch mean losses (as the studies computed it)
  int64_t images = 0;
  std::optional<ConfusionMatrix> confusion;  // classification only
};

// One pass over the loader's epoch 0 in eval mode without gradients; the model is back in
// train mode afterwards.
Evaluation evaluate(const BuiltModel& model, data::Loader& loader, const LossSettings& loss,
                    Device device, int64_t num_classes);

}  // namespace leuko::cli
