#include "experiments/evaluation.h"

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
    case LossKind::cross_entropy: return "cross-entropy";
    case LossKind::ssim: return "ssim";
    case LossKind::mse: return "mse";
  }
  return "?";
}

Tensor batch_loss(const LossSettings& loss, const Tensor& output, const Tensor& images,
                  const Tensor& labels) {
  switch (loss.kind) {
    case LossKind::cross_entropy: return cross_entropy(output, labels, loss.class_weights);
    case LossKind::ssim: return ssim_loss(output, images, loss.ssim_data_range);
    case LossKind::mse: return mse_loss(output, images);
  }
  throw Error("batch_loss: unknown loss kind");
}

Evaluation evaluate(const BuiltModel& model, data::Loader& loader, const LossSettings& loss,
                    Device device, int64_t num_classes) {
  NoGradGuard no_grad;
  model.module->eval();
  Evaluation result;
  if (loss.kind == LossKind::cross_entropy) result.confusion.emplace(num_classes);
  int64_t batches = 0;
  loader.start_epoch(0);
  while (std::optional<data::Batch> batch = loader.next()) {
    const Tensor images = batch->images.to(device);
    const Tensor labels = batch->labels.to(device);
    const Tensor output = model.forward(images);
    result.loss += batch_loss(loss, output, images, labels).item();
    result.images += images.size(0);
    ++batches;
    if (result.confusion) result.confusion->add(batch->labels.to_vector_i64(), argmax_rows(output.to(Device::cpu)));
  }
  model.module->train();
  if (batches > 0) result.loss /= static_cast<double>(batches);
  return result;
}

}  // namespace leuko::cli
