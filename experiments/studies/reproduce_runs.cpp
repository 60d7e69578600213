// Profiles, the studies' data, and one sub-run through the Trainer
// (experiments/studies/reproduce.h).
#include <fnmatch.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <limits>
#include <memory>

#include "engine/data/data_root.h"
#include "engine/data/subsets.h"
#include "engine/data/synthetic.h"
#include "engine/error.h"
#include "engine/optim/adam.h"
#include "engine/optim/rmsprop.h"
#include "engine/optim/sgd.h"
#include "engine/random.h"
#include "experiments/training/checkpoint_model.h"
#include "experiments/studies/reproduce.h"
#include "experiments/training/run_data.h"
#include "experiments/training/run_lock.h"
#include "experiments/training/trainer.h"

namespace leuko::cli {

namespace fs = std::filesystem;

int Profile::side(int study_side) const {
  return max_side > 0 ? std::min(study_side, max_side) : study_side;
}

int64_t Profile::epochs(int64_t study_epochs) const {
  return max_epochs > 0 ? std::min(study_epochs, max_epochs) : study_epochs;
}

int64_t Profile::epochs_full_size(int64_t study_epochs) const {
  return max_epochs_full_size > 0 ? std::min(study_epochs, max_epochs_full_size)
                                  : epochs(study_epochs);
}

Profile find_profile(const std::string& name) {
  if (name == "smoke") return {"smoke", 32, 1, 2, 2, 1, {0.01}};
  // quick: each study within about 10 minutes on 2 idle cores (at most 14 CPU minutes). The
  // 64 px networks get 6 epochs; the full-size ones (WBC net and combined model at 256 px,
  // Kandel CNN at 320x240) cost 5-20x more per image and get 2.
  if (name == "quick") return {"quick", 64, 6, 16, 12, 1, {0.01, 0.1}, 2};
  // capped: the studies' epochs on a sample of the data (at most 40 training and 40 test
  // images per class, histology inputs at most 128 px, one WBC-1 draw): study-a in about 2
  // hours on 2 cores. Its accuracies are far below the published ones (WBC-10 and WBC-100
  // both train on 200 images); it shows the studies' effects, not their numbers.
  if (name == "capped") return {"capped", 128, 0, 40, 40, 1, {0.01, 0.1, 1.0}};
  // cpu and full: the faithful reproduction, every image at the study's resolution and epochs,
  // three WBC-1 draws. "cpu" names it for these machines (many hours: run it in parts with
  // --only), "full" for a GPU; the two differ only in name.
  if (name == "cpu" || name == "full") return {name, 0, 0, 0, 0, 3, {0.01, 0.1, 0.5, 1.0}};
  throw Error(cat("unknown profile '", name, "'; expected smoke, quick, capped, cpu or full"));
}

// ---- data -------------------------------------------------------------------------------

StudyData::StudyData(const fs::path& root, const fs::path& scratch, int synthetic_side,
                     int64_t synthetic_per_class)
    : root_(root) {
  if (!root_.empty()) {
    for (const char* folder : {"pbc", "idc", "monuseg", "segwbc"})
      LEUKO_CHECK(fs::is_directory(root_ / folder), "data root ", root_.string(), " has no ",
                  folder, "/ folder (expected the layout of /work/shared/data/README.md)");
    return;
  }
  synthetic_ = true;
  root_ = scratch;
  if (!fs::exists(root_ / "test"))
    data::write_synthetic_folder(root_,
                                 {.size = synthetic_side,
                                  .train_per_class = synthetic_per_class,
                                  .test_per_class = std::max<int64_t>(30, synthetic_per_class / 10),
                                  .seed = 7});
}

data::Dataset StudyData::pbc(const std::string& split) const {
  return data::scan_image_folder(synthetic_ ? root_ / split : root_ / "pbc" / split);
}

data::Dataset StudyData::idc(const std::string& split) const {
  if (!synthetic_) return data::scan_image_folder(root_ / "idc" / split);
  return select_classes(pbc(split), {0, 1}, {"normal", "tumor"});  // two cell types stand in
}

data::Dataset StudyData::histology_tiles() const {
  data::Dataset tiles =
      synthetic_ ? pbc("train") : data::scan_unlabelled_folder(root_ / "monuseg" / "images");
  tiles.classes.clear();
  for (data::Sample& sample : tiles.samples) sample.label = -1;
  return tiles;
}

data::Dataset StudyData::wbc_with_masks() const {
  std::vector<data::Dataset> parts;
  if (synthetic_)
    parts.push_back(data::scan_image_folder(root_ / "train", root_ / "masks" / "train"));
  else
    for (const char* domain : {"dataset1", "dataset2"})
      parts.push_back(
          data::scan_image_folder(root_ / "segwbc" / domain, root_ / "segwbc" / "masks" / domain));
  data::Dataset all = data::concatenate(parts);
  data::Dataset with_mask{all.classes, {}};
  for (const data::Sample& sample : all.samples)
    if (!sample.mask.empty()) with_mask.samples.push_back(sample);
  return with_mask;
}

data::Dataset cap_per_class(const data::Dataset& dataset, int64_t cap, uint64_t seed) {
  if (cap <= 0) return dataset;
  const std::vector<int64_t> counts = dataset.class_counts();
  std::vector<bool> keep(dataset.samples.size(), false);
  for (size_t c = 0; c < counts.size(); ++c) {
    std::vector<size_t> members;
    for (size_t i = 0; i < dataset.samples.size(); ++i)
      if (dataset.samples[i].label == static_cast<int64_t>(c)) members.push_back(i);
    Generator generator(seed * 1000003ULL + c);
    const std::vector<int64_t> order =
        data::permutation(static_cast<int64_t>(members.size()), generator);
    for (int64_t k = 0; k < std::min<int64_t>(cap, static_cast<int64_t>(members.size())); ++k)
      keep[members[order[k]]] = true;
  }
  data::Dataset out{dataset.classes, {}};
  for (size_t i = 0; i < dataset.samples.size(); ++i)
    if (keep[i]) out.samples.push_back(dataset.samples[i]);
  return out;
}

data::Dataset select_classes(const data::Dataset& dataset, const std::vector<int64_t>& keep,
                             const std::vector<std::string>& names) {
  LEUKO_CHECK(keep.size() == names.size(), "select_classes: ", keep.size(), " classes but ",
              names.size(), " names");
  data::Dataset out{names, {}};
  for (const data::Sample& sample : dataset.samples) {
    auto it = std::find(keep.begin(), keep.end(), sample.label);
    if (it == keep.end()) continue;
    data::Sample relabelled = sample;
    relabelled.label = it - keep.begin();
    out.samples.push_back(relabelled);
  }
  return out;
}

// ---- one sub-run --------------------------------------------------------------------------

namespace {

std::unique_ptr<optim::Optimizer> make_optimizer(const OptimizerChoice& o,
                                                 std::vector<Tensor> params) {
  if (o.kind == "adam")
    return std::make_unique<optim::Adam>(
        params, optim::AdamOptions{.lr = o.lr, .eps = o.eps, .weight_decay = o.weight_decay});
  if (o.kind == "adamw")
    return std::make_unique<optim::AdamW>(
        params, optim::AdamWOptions{.lr = o.lr, .eps = o.eps, .weight_decay = o.weight_decay});
  if (o.kind == "sgd")
    return std::make_unique<optim::SGD>(
        params, optim::SGDOptions{.lr = o.lr, .weight_decay = o.weight_decay});
  LEUKO_CHECK(o.kind == "rmsprop", "unknown optimizer '", o.kind, "'");
  return std::make_unique<optim::RMSprop>(
      params, optim::RMSpropOptions{
                  .lr = o.lr, .alpha = 0.9, .eps = o.eps, .weight_decay = o.weight_decay});
}

// Loads a weights file into `module`: names prefixed, a new head's tensors left out; at least
// half of the network's tensors must come from it (load_weights), so a wrong file is an error.
void load_initial_weights(nn::Module& module, const SubRun& run) {
  std::map<std::string, Tensor> weights;
  for (const auto& [name, tensor] : read_weights(run.init_weights))
    if (run.init_skip.empty() || name.rfind(run.init_skip, 0) != 0)
      weights[run.init_prefix + name] = tensor;
  load_weights(module, run.model.name, weights, run.init_weights, /*strict=*/false,
               /*verbose=*/false);
  std::printf("%s: starts from %s\n", run.name.c_str(), run.init_weights.c_str());
}

// Training images a second for each network at its study's size on 2 CPU cores, measured
// (bench/results/vs_pytorch.json and the study runs' timing.json: WBC net, autoencoder, Kandel
// CNN and ResNet-18 measured, the others derived from their parts). A forward pass alone
// (validation, test) costs about a third of a training step.
double training_images_per_second(const std::string& model, int height, int width) {
  struct Rate {
    const char* model;
    int side;  // the size the rate was measured at (height x width as many pixels)
    double images_per_second;
  };
  static const Rate rates[] = {{"wbc_net", 256, 15.0},
                               {"prcc_autoencoder", 512, 3.5},
                               {"cam16_classifier", 224, 9.0},
                               {"combined_wbc", 256, 4.0},
                               {"resnet18", 224, 9.0},
                               {"resnet50", 224, 3.0},
                               {"kandel_cnn", 277, 2.6},
                               {"study_b_classifier", 224, 8.0},
                               {"study_b_autoencoder", 224, 4.0},
                               {"tiny_cnn", 32, 2000.0}};
  for (const Rate& r : rates)
    if (model == r.model)  // cost grows with the pixels
      return r.images_per_second * (static_cast<double>(r.side) * r.side) /
             (static_cast<double>(height) * width);
  return 5.0;
}

double estimated_seconds(const SubRun& run) {
  const int side = run.crop > 0 ? run.crop : 0;
  const double per_second = training_images_per_second(run.model.name, side > 0 ? side : run.height,
                                                       side > 0 ? side : run.width);
  const double validation = run.validation ? static_cast<double>(run.validation->size()) : 0.0;
  const double passes =
      static_cast<double>(run.epochs) * (static_cast<double>(run.train.size()) + validation / 3.0) +
      static_cast<double>(run.test.size()) / 3.0;
  return passes / per_second;
}

// results.json (and timing.json, when the run wrote one) of a finished run.
void read_finished(SubRunResult& result) {
  std::ifstream results(result.folder / "results.json");
  result.results = nlohmann::json::parse(results);
  if (std::ifstream timing(result.folder / Trainer::kTiming); timing)
    result.timing = nlohmann::json::parse(timing);
  result.finished = true;
}

}  // namespace

std::string SubRun::weights_of(const SubRunResult& earlier) {
  needs.push_back(earlier.name);
  return earlier.weights;
}

bool StudyContext::selected(const std::string& sub_run) const {
  if (only.empty()) return true;
  for (const std::string& pattern : only)
    if (fnmatch(pattern.c_str(), sub_run.c_str(), 0) == 0) return true;
  return false;
}

SubRunResult run_sub_run(const StudyContext& context, const SubRun& run) {
  const fs::path root = context.out.file(run.name);
  SubRunResult result{run.name, root, {}, {}, ""};
  const bool restart = context.restart && context.selected(run.name);  // finished or not
  if (context.plan) {
    if ((restart || !fs::exists(root / "done")) && context.selected(run.name))
      context.plan->push_back({run.name, estimated_seconds(run)});
    return result;
  }
  if (!fs::exists(root / "done") && !context.selected(run.name)) {
    std::printf("== %s: not run (left out by --only)\n", run.name.c_str());
    return result;  // and no folder made for it
  }
  const RunFolder folder(root);
  const RunLock lock(folder);  // one leuko run per sub-run folder at a time
  if (restart) start_over(folder);
  const auto weights_of = [&] {
    return folder
        .file(run.select_best_validation && folder.exists(Trainer::kBestCheckpoint)
                  ? Trainer::kBestCheckpoint
                  : Trainer::kCheckpoint)
        .string();
  };
  if (folder.exists("done")) {
    std::printf("== %s: finished earlier, reusing %s\n", run.name.c_str(),
                folder.file("results.json").string().c_str());
    read_finished(result);
    result.weights = weights_of();
    return result;
  }
  for (const std::string& need : run.needs)
    LEUKO_CHECK(fs::exists(context.out.file(need) / "done"), run.name,
                " starts from the weights of ", need,
                ", which has not finished: add it to --only (or run it first)");

  const bool classify = run.loss == LossKind::cross_entropy;
  nlohmann::json config{{"study", context.study},
                        {"sub_run", run.name},
                        {"profile", context.profile.name},
                        {"model", run.model.name},
                        {"data", context.data.root().string()},
                        {"synthetic_data", context.data.synthetic()},
                        {"epochs", run.epochs},
                        {"batch", run.batch},
                        {"lr", run.optimizer.lr},
                        {"optimizer", run.optimizer.kind},
                        {"weight_decay", run.optimizer.weight_decay},
                        {"schedule", run.onecycle ? "onecycle" : "constant"},
                        {"clip_value", run.clip_value},
                        {"loss", to_string(run.loss)},
                        {"target", to_string(run.target)},
                        {"class_weights", run.balanced_class_weights ? "balanced" : "none"},
                        {"init_weights", run.init_weights},
                        {"freeze", run.model.freeze},
                        {"unfreeze_all", run.unfreeze_all},
                        {"dropout", run.model.dropout},
                        {"side", run.model.side},
                        {"decoder_width", run.model.decoder_width},
                        {"device", to_string(context.device)},
                        {"seed", run.seed},
                        {"height", run.height},
                        {"width", run.width},
                        {"crop", run.crop},
                        {"normalize", run.imagenet_normalized ? "imagenet" : "none"},
                        {"select", run.select_best_validation ? "best-val-loss" : "last"},
                        {"workers", context.workers},
                        {"classes", classify ? run.train.classes : std::vector<std::string>{}},
                        {"train_images", run.train.size()},
                        {"validation_images", run.validation ? run.validation->size() : 0},
                        {"test_images", run.test.size()},
                        {"git_commit", git_commit()},
                        {"leuko_version", LEUKO_VERSION}};

  manual_seed(run.seed);
  BuiltModel model = build_model(run.model);
  if (!run.init_weights.empty()) load_initial_weights(*model.module, run);
  if (run.unfreeze_all) model.module->set_requires_grad(true);
  model.module->to(context.device);

  data::Loader train(run.train, loader_options(config, /*shuffle=*/true));
  data::Loader test(run.test, loader_options(config, false));
  std::unique_ptr<data::Loader> validation;
  if (run.validation && run.validation->size() > 0)  // a tiny profile may leave it empty
    validation = std::make_unique<data::Loader>(*run.validation, loader_options(config, false));

  std::vector<Tensor> trainable;
  for (const Tensor& p : model.module->parameters())
    if (p.requires_grad()) trainable.push_back(p);
  std::unique_ptr<optim::Optimizer> optimizer = make_optimizer(run.optimizer, trainable);
  std::unique_ptr<optim::LRSchedule> schedule;
  if (run.onecycle)
    schedule = std::make_unique<optim::OneCycle>(
        *optimizer, optim::OneCycleOptions{.max_lr = run.optimizer.lr,
                                           .epochs = run.epochs,
                                           .steps_per_epoch = train.batches_per_epoch()});

  TrainerSettings t;
  t.model_name = run.model.name;
  t.epochs = run.epochs;
  t.loss.kind = run.loss;
  t.loss.target = run.target;
  if (run.balanced_class_weights) {
    const auto k = static_cast<int64_t>(run.train.classes.size());
    t.loss.class_weights =
        from_vector(data::balanced_class_weights(run.train.labels(), k), {k}).to(context.device);
  }
  if (classify) t.classes = run.train.classes;
  t.clip_value = run.clip_value;
  t.test_best_validation = run.select_best_validation;
  t.device = context.device;
  t.config = config;
  t.title = cat(context.study, " / ", run.name, ": ", run.title);
  t.note = context.data_note;
  std::printf(
      "== %s: %s; %lld parameters (%lld trainable), %lld train / %lld validation / %lld test "
      "images, %dx%d, %lld epochs\n",
      run.name.c_str(), run.title.c_str(), static_cast<long long>(model.module->parameter_count()),
      static_cast<long long>(model.module->parameter_count(true)),
      static_cast<long long>(run.train.size()),
      static_cast<long long>(run.validation ? run.validation->size() : 0),
      static_cast<long long>(run.test.size()), run.height, run.width,
      static_cast<long long>(run.epochs));
  std::fflush(stdout);
  Trainer(model, *optimizer, schedule.get(), train, validation.get(), test, folder, t).run();

  read_finished(result);
  result.weights = weights_of();
  folder.write("done", "finished\n");  // last: everything above is on disk
  return result;
}

}  // namespace leuko::cli
