// Losses and evaluation passes shared by `leuko train` (validation each epoch, the final
// test) and `leuko eval`: one place that says how a batch becomes a loss and how a split
// becomes metrics.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "engine/data/loader.h"
#include "engine/metrics.h"
#include "experiments/training/model_zoo.h"

namespace leuko::cli {

enum class LossKind { cross_entropy, ssim, mse };
LossKind parse_loss_kind(const std::string& name);  // "cross-entropy", "ssim", "mse"
const char* to_string(LossKind kind);

// What an image loss (ssim, mse) compares the output with: the input images (an
// autoencoder's reconstruction) or the batch's masks (segmentation, Study B's stage 1).
// Cross-entropy always compares with the labels.
enum class Target { images, masks };
Target parse_target(const std::string& name);  // "images", "masks"
const char* to_string(Target target);

struct LossSettings {
  LossKind kind = LossKind::cross_entropy;
  Target target = Target::images;  // ssim and mse only
  Tensor class_weights;            // cross-entropy only; undefined: unweighted
  float ssim_data_range = 255.0f;  // pytorch_msssim's default, as Study A used it (spec 2.3)
};

// The tensor a batch's output is compared with, on `device`: the batch's labels
// (cross-entropy), its input images (`images`, already on the device) or its masks.
Tensor loss_target(const LossSettings& loss, const data::Batch& batch, const Tensor& images,
                   Device device);

// The loss of one batch: cross-entropy of the logits against the labels, or SSIM / MSE of
// the output image against the target image.
Tensor batch_loss(const LossSettings& loss, const Tensor& output, const Tensor& target);

struct Evaluation {
  double loss = 0.0;  // mean of the per-batch mean losses (as the studies computed it)
  int64_t images = 0;
  std::optional<ConfusionMatrix> confusion;  // classification only
  // Mask targets only: intersection over union of the predicted cell pixels (output > 0.5)
  // and the true ones, pooled over the split's pixels.
  std::optional<double> mask_iou;
};

// One pass over the loader's epoch 0 in eval mode without gradients; the model is back in
// train mode afterwards.
Evaluation evaluate(const BuiltModel& model, data::Loader& loader, const LossSettings& loss,
                    Device device, int64_t num_classes);

}  // namespace leuko::cli
