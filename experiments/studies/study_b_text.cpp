#include "experiments/studies/study_b_text.h"

#include <map>

#include "engine/error.h"

namespace leuko::cli {

const char* const kStudyBTitle =
    "Study B (Kan-Hon, seed 001): ResNet-18 pretraining chain vs baseline";

const char* const kStudyBSummary =
    "For each WBC-p subset: a ResNet-18 encoder with a decoder is pretrained to predict the "
    "cell's mask from WBC images, then as an autoencoder on Camelyon16-like patches, then on "
    "pRCC-like tiles, then on the WBC-p images, then as a tumor/normal classifier (first six "
    "children frozen), and finally fine-tuned as the 5-class WBC classifier (\"enhanced\"); "
    "the baseline is the same classifier from random weights (spec section 3).";

namespace {

// One difference from the study: its sentence, and the sentence for a data root where that
// reads otherwise (null: the same). {name} stands for a number of StudyBFacts (values_of).
struct Difference {
  const char* text;
  const char* on_real_data;
};

const Difference kDifferences[] = {
    {"Stage 1 (mask segmentation) trains on the generated cells that have a mask, at most "
     "{masked_per_chain} per chain (study: the masked images of WBC_p).",
     "Stage 1 (mask segmentation) trains on segwbc/ (Zheng et al. 2018: 400 WBC images with "
     "hand-drawn masks from two other microscopes), not on masked images of WBC_p as the study "
     "did (PBC, our WBC_p, has no masks): at most {masked_per_chain} of its {masked_images} "
     "images per chain, a different seeded draw for each chain, split 80/20."},
    {"Stage 1's target is 1 on the whole cell (segwbc's cytoplasm and nucleus) and 0 elsewhere, "
     "the same on all three output channels; images and masks are resized (masks nearest "
     "neighbour) to {resize}x{resize} and one random {side}x{side} window cut from both (study: "
     "shorter side 400, random 224 crop); held-out images use the centre window. Its report adds "
     "the mask IoU (output > 0.5) to the MSE.",
     nullptr},
    {"The decoder is smaller and size-parameterised (Linear 1000 -> {decoder_width}x{map}x{map} "
     "-> BN1d -> ReLU, four transposed convs 2x2/2 -> sigmoid) instead of the study's "
     "4096-wide linears with nearest upsampling (61M parameters).",
     nullptr},
    {"Initialisation is the engine's default for ResNet-18, not Kaiming-normal (fan_out).",
     nullptr},
    {"WBC training augmentation: random rotation (+-15 degrees) and flips, instead of the "
     "study's resize 400 / centre crop 224 / colour jitter / random affine / rotation 0-180.",
     nullptr},
    {"All data is generated (synthetic cells; two cell types stand in for tumor/normal, cell "
     "images for the pRCC tiles).",
     "Data: PBC (pbc/) stands in for WBC_p (no masks); idc/ (breast IDC 50x50 patches) for "
     "Camelyon16, tested on idc/test; monuseg/ tiles for pRCC. WBC classifiers are validated "
     "on 30% and tested on 70% of pbc/test (the study selected and reported on the same set)."},
    {"Frozen children keep BatchNorm in training mode (the study's behaviour, spec 3.1).", nullptr},
    {"Profile '{profile}': inputs {side}x{side} (study: 224){epochs_cap}{images_cap}; WBC "
     "fractions run: {fractions}.",
     nullptr},
};

// The profile's caps, as the last difference mentions them ("" when it has none).
const char* const kEpochsCap = ", at most {max_epochs} epochs (study: 20)";
const char* const kImagesCap =
    ", at most {train_per_class} training and {test_per_class} test images per class";

// `text` with each {name} replaced by its value.
std::string fill(std::string text, const std::map<std::string, std::string>& values) {
  for (const auto& [name, value] : values) {
    const std::string key = "{" + name + "}";
    for (size_t at = text.find(key); at != std::string::npos;
         at = text.find(key, at + value.size()))
      text.replace(at, key.size(), value);
  }
  LEUKO_CHECK(text.find('{') == std::string::npos, "study B report: no value for a {name} in '",
              text, "'");
  return text;
}

std::map<std::string, std::string> values_of(const StudyBFacts& f) {
  const Profile& p = f.profile;
  std::map<std::string, std::string> values{{"masked_per_chain", cat(f.masked_per_chain)},
                                            {"masked_images", cat(f.masked_images)},
                                            {"resize", cat(f.segmentation_resize)},
                                            {"side", cat(f.side)},
                                            {"decoder_width", cat(f.decoder_width)},
                                            {"map", cat(f.side / 16)},
                                            {"profile", p.name},
                                            {"fractions", f.fractions},
                                            {"max_epochs", cat(p.max_epochs)},
                                            {"train_per_class", cat(p.train_per_class)},
                                            {"test_per_class", cat(p.test_per_class)}};
  values["epochs_cap"] = p.max_epochs > 0 ? fill(kEpochsCap, values) : "";
  values["images_cap"] = p.train_per_class > 0 ? fill(kImagesCap, values) : "";
  return values;
}

}  // namespace

std::vector<std::string> study_b_differences(const StudyBFacts& facts) {
  const std::map<std::string, std::string> values = values_of(facts);
  std::vector<std::string> differences;
  for (const Difference& d : kDifferences)
    differences.push_back(
        fill(facts.synthetic || !d.on_real_data ? d.text : d.on_real_data, values));
  return differences;
}

}  // namespace leuko::cli
