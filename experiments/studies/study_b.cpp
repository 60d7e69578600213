// Study B (Kan-Hon; seed 001; spec section 3): a ResNet-18 encoder pretrained through a
// chain of stages, then fine-tuned on each WBC-p subset, against a randomly initialised
// baseline. Every stage: batch 64, 20 epochs, AdamW lr 1e-4 (weight decay 0.01), inputs
// ImageNet-normalised; classifiers with OneCycle (max 1e-4); WBC classifiers with
// "balanced" class weights and the lowest-validation-loss epoch tested. The chain:
// 1 mask segmentation of WBC images, 2 Camelyon16 autoencoder, 3 pRCC autoencoder, 4 WBC-p
// autoencoder, 5 tumor/normal classifier, 6 the WBC classifier ("enhanced").
// The report's prose: studies/study_b_text.cpp.
#include "engine/data/subsets.h"
#include "engine/error.h"
#include "experiments/studies/study_b_text.h"
#include "experiments/studies/study_drivers.h"

namespace leuko::cli {

namespace {

constexpr uint64_t kSeed = 1;

std::string percent(double p) { return cat(static_cast<int>(p * 100 + 0.5)); }

// README table (seed 001) and the notebook outputs (spec 3.5): accuracy, weighted F1, macro F1.
std::vector<Published> published_b(double p, bool enhanced) {
  const int k = static_cast<int>(p * 100 + 0.5);
  const std::string readme = "README table (seed 001)", notebook = "notebook outputs";
  struct Row {
    double acc, weighted, macro, nb_acc, nb_weighted, nb_macro;
  };
  const Row base[] = {{0.5388, 0.54, 0.35, 0.0550, 0.01, 0.02},
                      {0.9248, 0.93, 0.84, 0.3362, 0.29, 0.21},
                      {0.9554, 0.96, 0.91, 0.9120, 0.90, 0.77},
                      {0.9606, 0.96, 0.92, 0.9288, 0.93, 0.82}};
  const Row plus[] = {{0.7384, 0.76, 0.63, 0.4942, 0.47, 0.19},
                      {0.9340, 0.94, 0.88, 0.6950, 0.69, 0.49},
                      {0.9635, 0.96, 0.93, 0.8976, 0.90, 0.77},
                      {0.9733, 0.97, 0.95, 0.9300, 0.93, 0.85}};
  const int index = k == 1 ? 0 : k == 10 ? 1 : k == 50 ? 2 : 3;
  const Row& r = enhanced ? plus[index] : base[index];
  return {published(readme, r.acc, -1, r.macro, r.weighted),
          published(notebook, r.nb_acc, -1, r.nb_macro, r.nb_weighted)};
}

// The sub-runs of a chain, each on the study's shared recipe at the profile's size.
class Stages {
 public:
  // The decoder doubles a side/16 map four times: the side is a multiple of 16. The study
  // resized the shorter side to 400 and cut one random 224 window shared by image and mask
  // for stage 1; here the same proportions at the profile's side.
  explicit Stages(const Profile& profile)
      : side(profile.side(224) / 16 * 16),
        decoder_width(profile.name == "full" ? 256 : 64),
        segmentation_resize(side * 400 / 224),
        profile_(profile) {}

  const int side;
  const int64_t decoder_width;
  const int segmentation_resize;

  SubRun stage(std::string name, std::string title, const std::string& model) const {
    SubRun run;
    run.name = std::move(name);
    run.title = std::move(title);
    run.model.name = model;
    run.model.side = side;
    run.model.decoder_width = decoder_width;
    run.height = run.width = side;
    run.imagenet_normalized = true;
    run.batch = 64;
    run.epochs = profile_.epochs(20);
    run.optimizer = {.kind = "adamw", .lr = 1e-4, .weight_decay = 0.01};
    run.seed = kSeed;
    return run;
  }

  // MSE against the normalised input, 80/20 split, best held-out MSE; it starts from the
  // weights of the stage `from` (none: nullptr).
  SubRun autoencoder(std::string name, std::string title, const data::Dataset& images,
                     const SubRunResult* from) const {
    SubRun run = stage(std::move(name), std::move(title), "study_b_autoencoder");
    data::Dataset unlabelled = images;
    unlabelled.classes.clear();
    for (data::Sample& sample : unlabelled.samples) sample.label = -1;
    const int64_t held_out = std::max<int64_t>(1, unlabelled.size() / 5);  // never empty
    std::vector<data::Dataset> parts =
        data::random_split_by_size(unlabelled, {unlabelled.size() - held_out, held_out}, kSeed);
    run.train = parts[0];
    run.test = parts[1];
    run.validation = parts[1];
    run.loss = LossKind::mse;
    run.select_best_validation = true;
    if (from) run.init_weights = run.weights_of(*from);
    return run;
  }

  // Stage 1: the same network predicts the cell's mask (1 on the cell, 0 elsewhere, on each
  // of its three output channels) from the image, MSE against the mask, on random side x side
  // windows of the resized images (the held-out images: the centre window).
  SubRun segmentation(std::string name, const data::Dataset& masked) const {
    SubRun run = autoencoder(std::move(name), "mask segmentation of WBC images", masked, nullptr);
    run.target = Target::masks;
    run.height = run.width = segmentation_resize;
    run.crop = side;
    return run;
  }

  // Stage 5: tumor/normal, the first six children frozen.
  SubRun cam16_classifier(std::string name, const data::Dataset& train, const data::Dataset& test,
                          const SubRunResult& from) const {
    SubRun run = stage(std::move(name), "tumor/normal classifier, first six children frozen",
                       "study_b_classifier");
    run.model.num_classes = 2;
    run.model.freeze = "layer2";
    run.train = train;
    run.test = test;
    run.validation = test;
    run.onecycle = true;
    run.select_best_validation = true;
    run.init_weights = run.weights_of(from);
    return run;
  }

  // The 5-class WBC classifier: the baseline from random weights, or (stage 6) the enhanced
  // one from stage 5's weights with a new head and the first six children frozen.
  SubRun wbc_classifier(std::string name, std::string title, const data::Dataset& train,
                        const std::vector<data::Dataset>& held_out,
                        const SubRunResult* from = nullptr) const {
    SubRun run = stage(std::move(name), std::move(title), "study_b_classifier");
    run.train = train;
    for (data::Sample& sample : run.train.samples) sample.augment = data::Augment::rotation_flips;
    run.test = held_out[0];
    run.validation = held_out[1];
    run.onecycle = true;
    run.balanced_class_weights = true;
    run.select_best_validation = true;
    if (from) {
      run.model.freeze = "layer2";
      run.init_weights = run.weights_of(*from);
      run.init_skip = "head3.";
    }
    return run;
  }

 private:
  const Profile& profile_;
};

// What the chains train on, drawn once for the study.
struct StudyBData {
  data::Dataset cam_train, cam_val, tiles, wbc_train, wbc_masked;
  int64_t masked_per_chain = 0;  // at most as many masked images as five classes' training ones
  std::vector<data::Dataset> wbc_held_out;  // test 70%, validation 30%
};

StudyBData study_b_data(const StudyContext& context) {
  const Profile& profile = context.profile;
  const int64_t cap = profile.train_per_class;
  StudyBData d;
  d.cam_train = cap_per_class(context.data.idc("train"), cap, kSeed);
  d.cam_val = cap_per_class(context.data.idc("test"), profile.test_per_class, kSeed);
  d.tiles = context.data.histology_tiles();
  if (cap > 0 && d.tiles.size() > 2 * cap)
    d.tiles = data::random_split_by_size(d.tiles, {2 * cap, d.tiles.size() - 2 * cap}, kSeed)[0];
  d.wbc_train = context.data.pbc("train");
  d.wbc_masked = context.data.wbc_with_masks();
  d.masked_per_chain =
      cap > 0 ? std::min<int64_t>(5 * cap, d.wbc_masked.size()) : d.wbc_masked.size();
  d.wbc_held_out = data::random_split(
      cap_per_class(context.data.pbc("test"), profile.test_per_class, kSeed), {0.7, 0.3}, kSeed);
  return d;
}

// WBC-p: the baseline, then the chain of six stages. The baseline's and stage 6's results go
// into their rows, stages 1-5 into the report's other runs.
void run_chain(const StudyContext& context, const Stages& stages, const StudyBData& d, double p,
               StudyRow& baseline, StudyRow& enhanced, StudyReport& report) {
  const std::string tag = cat("wbc-", percent(p));
  const data::Dataset subset = cap_per_class(data::stratified_fraction(d.wbc_train, p, kSeed),
                                             context.profile.train_per_class, kSeed);
  baseline.runs.push_back(run_sub_run(
      context, stages.wbc_classifier(tag + "-baseline", "ResNet-18 classifier from random weights",
                                     subset, d.wbc_held_out)));

  // Each chain draws its own masked images (seeded by p), as each WBC-p had its own.
  const data::Dataset masked = data::random_split_by_size(
      d.wbc_masked, {d.masked_per_chain, d.wbc_masked.size() - d.masked_per_chain},
      kSeed + static_cast<uint64_t>(p * 100 + 0.5))[0];
  const SubRunResult segmented =
      run_sub_run(context, stages.segmentation(tag + "-stage1-segmentation", masked));
  const SubRunResult cam_ae =
      run_sub_run(context, stages.autoencoder(tag + "-stage2-cam16-autoencoder",
                                              "autoencoder on Camelyon16-like patches", d.cam_train,
                                              &segmented));
  const SubRunResult prcc_ae =
      run_sub_run(context, stages.autoencoder(tag + "-stage3-prcc-autoencoder",
                                              "autoencoder on pRCC-like tiles", d.tiles, &cam_ae));
  const SubRunResult wbc_ae = run_sub_run(
      context, stages.autoencoder(tag + "-stage4-wbc-autoencoder",
                                  cat("autoencoder on WBC-", percent(p)), subset, &prcc_ae));
  const SubRunResult cam = run_sub_run(
      context,
      stages.cam16_classifier(tag + "-stage5-cam16-classifier", d.cam_train, d.cam_val, wbc_ae));
  enhanced.runs.push_back(run_sub_run(
      context, stages.wbc_classifier(tag + "-stage6-enhanced",
                                     "WBC classifier from the chain, first six children frozen",
                                     subset, d.wbc_held_out, &cam)));
  for (const SubRunResult& r : {segmented, cam_ae, prcc_ae, wbc_ae, cam})
    report.other_runs.push_back(r);
}

}  // namespace

StudyReport run_study_b(const StudyContext& context) {
  const Profile& profile = context.profile;
  const Stages stages(profile);
  const StudyBData d = study_b_data(context);
  StudyReport report{.title = kStudyBTitle, .summary = kStudyBSummary, .seeds = {kSeed}};
  for (const double p : {0.01, 0.1, 0.5, 1.0}) {
    StudyRow baseline{cat("WBC-", percent(p), " baseline"), {}, published_b(p, false)};
    StudyRow enhanced{cat("WBC-", percent(p), " enhanced"), {}, published_b(p, true)};
    if (std::find(profile.fractions.begin(), profile.fractions.end(), p) != profile.fractions.end())
      run_chain(context, stages, d, p, baseline, enhanced, report);
    report.rows.push_back(baseline);
    report.rows.push_back(enhanced);
  }
  std::string fractions;
  for (double p : profile.fractions)
    fractions += (fractions.empty() ? "" : ", ") + percent(p) + "%";
  report.differences = study_b_differences({.profile = profile,
                                            .synthetic = context.data.synthetic(),
                                            .side = stages.side,
                                            .segmentation_resize = stages.segmentation_resize,
                                            .decoder_width = stages.decoder_width,
                                            .masked_per_chain = d.masked_per_chain,
                                            .masked_images = d.wbc_masked.size(),
                                            .fractions = fractions});
  return report;
}

}  // namespace leuko::cli
