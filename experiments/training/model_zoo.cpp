#include "experiments/training/model_zoo.h"

#include "engine/data/image.h"
#include "engine/data/transforms.h"
#include "engine/error.h"
#include "engine/io/safetensors.h"
#include "engine/nn/frozen_output_cache.h"
#include "engine/ops.h"
#include "models/cam16_classifier.h"
#include "models/combined_wbc.h"
#include "models/kandel_cnn.h"
#include "models/prcc_autoencoder.h"
#include "models/resnet.h"
#include "models/study_b_nets.h"
#include "models/tiny_cnn.h"
#include "models/wbc_net.h"

namespace leuko::cli {

const std::vector<ModelInfo>& model_catalog() {
  static const std::vector<ModelInfo> catalog{
      {"wbc_net", Task::classification, 256, 256, false, false,
       "Study A base WBC classifier (ResNet-9-like, 175,533 parameters at 256 px)", true, 32},
      {"prcc_autoencoder", Task::reconstruction, 512, 512, false, false,
       "Study A pRCC convolutional autoencoder, SSIM loss, unlabelled images"},
      {"cam16_classifier", Task::classification, 224, 224, false, false,
       "Study A Camelyon16 classifier: frozen ResNet-18 + small head, 2 classes", false, 0, 2},
      {"combined_wbc", Task::classification, 256, 256, false, true,
       "Study A combined WBC classifier (needs --prcc-weights and --cam16-weights)"},
      {"resnet18", Task::classification, 224, 224, true, false, "torchvision ResNet-18"},
      {"resnet50", Task::classification, 224, 224, true, false, "torchvision ResNet-50"},
      {"kandel_cnn", Task::classification, 320, 240, false, true,
       "Study D Kandel-style ELU CNN (inputs scaled to [0,255] for it)"},
      {"study_b_classifier", Task::classification, 224, 224, true, false,
       "Study B classifier: ResNet-18 encoder (fc 512 -> 1000 latent) + head 1000 -> 256 -> 32 -> "
       "C"},
      {"study_b_autoencoder", Task::reconstruction, 224, 224, true, false,
       "Study B autoencoder: the same ResNet-18 encoder + a transposed-conv decoder"},
      {"tiny_cnn", Task::classification, 32, 32, false, false,
       "a small CNN (24k parameters) for quick runs and tests"},
  };
  return catalog;
}

std::string model_names() {
  std::string names;
  for (const ModelInfo& info : model_catalog()) names += (names.empty() ? "" : ", ") + info.name;
  return names;
}

void check_input_size(const ModelInfo& info, int height, int width) {
  if (info.fixed_size)
    LEUKO_CHECK(height == info.height && width == info.width, info.name, "'s layers only fit ",
                info.height, "x", info.width, " inputs, not ", height, "x", width);
  if (info.square)
    LEUKO_CHECK(height == width && height >= info.min_side, info.name,
                " takes square inputs of at least ", info.min_side, " px, not ", height, "x",
                width);
}

const ModelInfo& find_model(const std::string& name) {
  for (const ModelInfo& info : model_catalog())
    if (info.name == name) return info;
  throw Error(cat("unknown model '", name, "'; expected one of: ", model_names()));
}

std::map<std::string, Tensor> read_weights(const std::string& path) {
  const SafetensorsFile file = load_safetensors(path);
  auto format = file.metadata.find("format");
  if (format == file.metadata.end() || format->second != "leuko-checkpoint") return file.tensors;
  std::map<std::string, Tensor> model;
  const std::string prefix = "model.";
  for (const auto& [key, tensor] : file.tensors)
    if (key.rfind(prefix, 0) == 0) model[key.substr(prefix.size())] = tensor;
  return model;
}

namespace {

// Freezes the parameters whose dotted name starts with `prefix`; an unmatched prefix is an
// error (a typo would otherwise silently train everything).
void freeze_prefix(nn::Module& module, const std::string& prefix) {
  bool matched = false;
  for (const auto& [name, parameter] : module.named_parameters())
    if (name.rfind(prefix, 0) == 0) {
      Tensor handle = parameter;  // shares the module's tensor
      handle.set_requires_grad(false);
      matched = true;
    }
  LEUKO_CHECK(matched, "--freeze ", prefix, ": no parameter name starts with it");
}

// Study A's combined model sees one WBC image at three sizes, each made from the 256x256
// tensor: back to 8-bit pixels, then resized (spec 2.5).
Tensor resized_batch(const Tensor& images, int size) {
  const int64_t n = images.size(0);
  Tensor out = empty({n, 3, size, size});
  const int64_t per_image = 3LL * size * size;
  for (int64_t i = 0; i < n; ++i) {
    const data::Image pixels =
        data::from_tensor(images.slice(0, i, i + 1).reshape({3, images.size(2), images.size(3)}));
    data::to_tensor_into(data::resize(pixels, size, size), out.data<float>() + i * per_image);
  }
  return out;
}

std::shared_ptr<nn::Module> load_pretrained(std::shared_ptr<nn::Module> module,
                                            const std::string& path, const char* flag,
                                            bool allow_untrained) {
  if (path.empty() && allow_untrained) return module;
  LEUKO_CHECK(!path.empty(), "combined_wbc needs ", flag,
              " FILE (the checkpoint of a finished run of that model)");
  module->load_state_dict(read_weights(path));
  return module;
}

}  // namespace

BuiltModel build_model(const ModelSettings& s) {
  const ModelInfo& info = find_model(s.name);
  const auto plain = [](std::shared_ptr<nn::Module> m) {
    nn::Module* raw = m.get();
    return BuiltModel{m, [raw](const Tensor& x) { return (*raw)(x); }};
  };
  BuiltModel built;
  if (info.name == "wbc_net") {
    built =
        plain(std::make_shared<models::WbcNet>(s.num_classes, s.side > 0 ? s.side : info.height));
  } else if (info.name == "prcc_autoencoder") {
    built = plain(std::make_shared<models::PrccAutoencoder>());
  } else if (info.name == "cam16_classifier") {
    LEUKO_CHECK(s.num_classes == info.fixed_classes,
                "cam16_classifier has 2 classes (normal, tumor), the data has ", s.num_classes);
    built = plain(std::make_shared<models::Cam16Classifier>(s.freeze_mode));
  } else if (info.name == "combined_wbc") {
    auto prcc = std::static_pointer_cast<models::PrccAutoencoder>(
        load_pretrained(std::make_shared<models::PrccAutoencoder>(), s.prcc_weights,
                        "--prcc-weights", s.allow_untrained_parts));
    auto cam16 = std::static_pointer_cast<models::Cam16Classifier>(
        load_pretrained(std::make_shared<models::Cam16Classifier>(s.freeze_mode), s.cam16_weights,
                        "--cam16-weights", s.allow_untrained_parts));
    auto combined =
        std::make_shared<models::CombinedWbc>(prcc, cam16, s.freeze_mode, s.num_classes);
    models::CombinedWbc* raw = combined.get();
    // The latent of the 512 px view, keyed in the cache by the 256 px image it is made from.
    const auto latent = [raw](const Tensor& x) { return raw->prcc_latent(resized_batch(x, 512)); };
    std::shared_ptr<nn::FrozenOutputCache> cache;
    if (s.frozen_cache_bytes > 0)
      cache = std::make_shared<nn::FrozenOutputCache>(
          latent,
          nn::FrozenOutputCacheOptions{
              .budget_bytes = s.frozen_cache_bytes, .directory = {}, .name = "pRCC encoder"});
    built = {combined, [raw, latent, cache](const Tensor& x) {
               return raw->run(x, cache ? (*cache)(x) : latent(x), resized_batch(x, 224));
             }};
  } else if (info.name == "resnet18" || info.name == "resnet50") {
    auto net = std::make_shared<models::ResNet>(
        info.name == "resnet18" ? models::ResNet::Depth::resnet18 : models::ResNet::Depth::resnet50,
        s.num_classes);
    if (!s.freeze.empty()) net->freeze_through(s.freeze, s.freeze_mode);
    return plain(net);
  } else if (info.name == "study_b_classifier") {
    auto net = std::make_shared<models::StudyBClassifier>(s.num_classes);
    if (!s.freeze.empty()) net->encoder().freeze_through(s.freeze, s.freeze_mode);
    return plain(net);
  } else if (info.name == "study_b_autoencoder") {
    auto net = std::make_shared<models::StudyBAutoencoder>(s.side > 0 ? s.side : info.height,
                                                           s.decoder_width);
    if (!s.freeze.empty()) net->encoder().freeze_through(s.freeze, s.freeze_mode);
    return plain(net);
  } else if (info.name == "kandel_cnn") {
    auto net = std::make_shared<models::KandelCnn>(s.num_classes, s.dropout, s.seed);
    models::KandelCnn* raw = net.get();
    // The Keras model takes [0, 255] pixels and rescales them itself.
    built = {net, [raw](const Tensor& x) { return (*raw)(x * 255.0f); }};
  } else {
    built = plain(std::make_shared<models::TinyCnn>(s.num_classes));
  }
  if (!s.freeze.empty()) freeze_prefix(*built.module, s.freeze);
  return built;
}

}  // namespace leuko::cli
