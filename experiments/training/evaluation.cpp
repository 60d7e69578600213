#include "experiments/training/evaluation.h"

#include "engine/autograd.h"
#include "engine/error.h"
#include "engine/ops.h"

namespace leuko::cli {

LossKind parse_loss_kind(const std::string& name) {
  if (name == "cross-entropy") return LossKind::cross_entropy;
  if (name == "ssim") return LossKind::ssim;
  if (name == "mse") return LossKind::mse;
  throw Error(cat("unknown loss '", name, "': expected cross-entropy, ssim or mse"));
}

const char* to_string(LossKind kind) {
  switch (kind) {
    case LossKind::cross_entropy:
      return "cross-entropy";
    case LossKind::ssim:
      return "ssim";
    case LossKind::mse:
      return "mse";
  }
  return "?";
}

Target parse_target(const std::string& name) {
  if (name == "images") return Target::images;
  if (name == "masks") return Target::masks;
  throw Error(cat("unknown target '", name, "': expected images or masks"));
}

const char* to_string(Target target) { return target == Target::masks ? "masks" : "images"; }

Tensor loss_target(const LossSettings& loss, const data::Batch& batch, const Tensor& images,
                   Device device) {
  if (loss.kind == LossKind::cross_entropy) return batch.labels.to(device);
  if (loss.target == Target::images) return images;
  LEUKO_CHECK(batch.masks.defined(), "the loss compares with masks, but the loader made no mask ",
              "targets (expected LoaderOptions::mask_targets)");
  return batch.masks.to(device);
}

Tensor batch_loss(const LossSettings& loss, const Tensor& output, const Tensor& target) {
  switch (loss.kind) {
    case LossKind::cross_entropy:
      return cross_entropy(output, target, loss.class_weights);
    case LossKind::ssim:
      return ssim_loss(output, target, loss.ssim_data_range);
    case LossKind::mse:
      return mse_loss(output, target);
  }
  throw Error("batch_loss: unknown loss kind");
}

Evaluation evaluate(const BuiltModel& model, data::Loader& loader, const LossSettings& loss,
                    Device device, int64_t num_classes) {
  NoGradGuard no_grad;
  model.module->eval();
  Evaluation result;
  const bool masks = loss.kind != LossKind::cross_entropy && loss.target == Target::masks;
  if (loss.kind == LossKind::cross_entropy) result.confusion.emplace(num_classes);
  int64_t batches = 0, intersection = 0, union_ = 0;
  loader.start_epoch(0);
  while (std::optional<data::Batch> batch = loader.next()) {
    const Tensor images = batch->images.to(device);
    const Tensor output = model.forward(images);
    result.loss += batch_loss(loss, output, loss_target(loss, *batch, images, device)).item();
    result.images += images.size(0);
    ++batches;
    if (result.confusion)
      result.confusion->add(batch->labels.to_vector_i64(), argmax_rows(output.to(Device::cpu)));
    if (masks) {
      const std::vector<float> predicted = output.to(Device::cpu).contiguous().to_vector();
      const std::vector<float> truth = batch->masks.to_vector();
      for (size_t i = 0; i < truth.size(); ++i) {
        const bool p = predicted[i] > 0.5f, t = truth[i] > 0.5f;
        intersection += p && t;
        union_ += p || t;
      }
    }
  }
  model.module->train();
  if (batches > 0) result.loss /= static_cast<double>(batches);
  // Nothing predicted and nothing true is a perfect match.
  if (masks)
    result.mask_iou =
        union_ > 0 ? static_cast<double>(intersection) / static_cast<double>(union_) : 1.0;
  return result;
}

}  // namespace leuko::cli
