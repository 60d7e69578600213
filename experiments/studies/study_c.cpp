// Study C (seed 003; spec section 4, whose recipe is INFERRED: no repository was found):
// ResNet-50 fine-tuned on the five WBC classes with its early stages frozen (stem and
// layer1-layer3, BatchNorm in eval mode), layer4 and a new 2048 -> 5 head trained with
// Adam lr 1e-4, batch 32, 20 epochs, ImageNet normalisation, random flips and rotation.
#include "engine/data/subsets.h"
#include "engine/error.h"
#include "experiments/studies/study_drivers.h"

namespace leuko::cli {

namespace {
constexpr uint64_t kSeed = 3;
}  // namespace

StudyReport run_study_c(const StudyContext& context) {
  const Profile& profile = context.profile;
  StudyReport report;
  report.title = "Study C (seed 003): ResNet-50 fine-tuning on white blood cells";
  report.summary =
      "ResNet-50 (torchvision layout) with a new 2048 -> 5 head; the stem and layer1-layer3 "
      "frozen, layer4 and the head fine-tuned (spec section 4, an inferred recipe: the study "
      "published no code and no numbers).";
  report.seeds = {kSeed};

  // Train / validation from the training images (85 / 15), the test folder for testing.
  std::vector<data::Dataset> learn =
      data::random_split(cap_per_class(context.data.pbc("train"), profile.train_per_class, kSeed),
                         {0.85, 0.15}, kSeed);
  SubRun run;
  run.name = "resnet50-finetune";
  run.title = context.weights.empty() ? "ResNet-50 from scratch, every layer trained"
                                      : "ResNet-50, stem + layer1-3 frozen, layer4 + head trained";
  run.model.name = "resnet50";
  run.model.num_classes = 5;
  run.train = learn[0];
  for (data::Sample& sample : run.train.samples) sample.augment = data::Augment::rotation_flips;
  run.validation = learn[1];
  run.test = cap_per_class(context.data.pbc("test"), profile.test_per_class, kSeed);
  run.height = run.width = profile.side(224);
  run.imagenet_normalized = true;
  run.batch = 32;
  run.epochs = profile.epochs(20);
  run.optimizer = {.kind = "adam", .lr = 1e-4};
  run.select_best_validation = true;
  run.seed = kSeed;
  if (!context.weights.empty()) {
    run.init_weights = context.weights;
    run.init_skip = "fc.";
    run.model.freeze = "layer3";
    run.model.freeze_mode = nn::Module::FreezeMode::full;
  }
  report.rows.push_back(
      {"ResNet-50 fine-tuned", {run_sub_run(context, run)}, {}});  // the study published no numbers

  report.differences = {
      "The study's code and numbers were not found; the whole recipe is the spec's inferred "
      "default (section 4), so there is nothing to compare against.",
      context.data.synthetic()
          ? "All data is generated (synthetic cells)."
          : "Data: PBC (pbc/) stands in for the BCCD white-blood-cell set; train/validation "
            "85/15 of pbc/train (seeded), tested on pbc/test.",
      context.weights.empty()
          ? "No ImageNet weights (none can be downloaded here): the whole ResNet-50 is trained "
            "from scratch, nothing frozen (freezing random early stages would leave random "
            "features)."
          : cat("ImageNet ResNet-50 weights from ", context.weights,
                "; stem and layer1-3 frozen with BatchNorm in eval mode."),
      "The tested weights are those of the epoch with the lowest validation loss.",
      cat("Profile '", profile.name, "': input ", run.height, "x", run.width, " (study: 224), ",
          run.epochs, " epochs (study: 20)",
          profile.train_per_class > 0 ? cat(", at most ", profile.train_per_class, " training and ",
                                            profile.test_per_class, " test images per class")
                                      : std::string(),
          ".")};
  return report;
}

}  // namespace leuko::cli
