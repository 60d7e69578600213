// `leuko reproduce <study>`: the shared machinery of the four study drivers
// (experiments/studies/study_*.cpp). A study is a list of sub-runs (one network trained on one
// dataset), each trained by the generic Trainer in its own sub-folder, and a top-level
// report.md that puts our numbers next to the published ones.
//
//   <out>/report.md, study.json        the study's summary
//   <out>/<sub-run>/                   a Trainer run folder (report.md, checkpoints, ...)
//   <out>/<sub-run>/done               written last (atomically): the sub-run is finished
//
// Running the same command again resumes: finished sub-runs (with `done`) are skipped and
// their results.json reused; an unfinished one resumes from its checkpoint.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/data/image_folder.h"
#include "engine/storage.h"
#include "experiments/training/evaluation.h"
#include "experiments/training/model_zoo.h"
#include "experiments/report/report.h"
#include "experiments/training/run_folder.h"

namespace leuko::cli {

// How much of a study to run: smoke (CI: tiny, 1 epoch), quick (minutes on 2 CPU cores),
// capped (the studies' epochs on at most 40 images per class: hours), cpu and full (the
// faithful reproduction: the studies' data, resolutions and epochs; many hours on a CPU).
struct Profile {
  std::string name;
  int max_side = 0;               // resolutions are capped at this (0: the study's own)
  int64_t max_epochs = 0;         // epochs are capped at this (0: the study's own)
  int64_t train_per_class = 0;    // training images per class at most (0: all)
  int64_t test_per_class = 0;     // test images per class at most (0: all)
  int64_t wbc1_seeds = 1;         // independent draws of WBC-1 (its spread is large)
  std::vector<double> fractions;  // the WBC-p fractions run
  // Epochs cap of the networks whose layers fit only their study's input size (Study A's
  // WBC net and combined model, Study D's Kandel CNN): max_side does not make their epochs
  // cheaper, so a short profile caps them lower (0: max_epochs).
  int64_t max_epochs_full_size = 0;

  int side(int study_side) const;  // min(study_side, max_side)
  int64_t epochs(int64_t study_epochs) const;
  int64_t epochs_full_size(int64_t study_epochs) const;
};

Profile find_profile(const std::string& name);  // Error naming the profiles

// The data of the studies: the real folders under a data root (pbc, idc, monuseg,
// segwbc; see /work/shared/data/README.md), or stand-ins derived from generated cells.
class StudyData {
 public:
  // An empty root generates a synthetic root in `scratch` (said loudly by the caller).
  // The generated root has `synthetic_per_class` training cells per class (and a tenth as
  // many, at least 30, test cells): smoke tests want few, the main job enough to learn from.
  StudyData(const std::filesystem::path& root, const std::filesystem::path& scratch,
            int synthetic_side, int64_t synthetic_per_class);

  bool synthetic() const { return synthetic_; }
  const std::filesystem::path& root() const { return root_; }

  data::Dataset pbc(const std::string& split) const;  // 5 WBC classes, train | test
  data::Dataset idc(
      const std::string& split) const;    // normal / tumor patches (Camelyon16 stand-in)
  data::Dataset histology_tiles() const;  // unlabelled tiles (pRCC stand-in)
  data::Dataset wbc_with_masks() const;   // WBC images that have a cell mask

 private:
  std::filesystem::path root_;
  bool synthetic_ = false;
};

// Dataset helpers used by several studies.
// At most `cap` samples per class (0: all), drawn with `seed`; order kept.
data::Dataset cap_per_class(const data::Dataset& dataset, int64_t cap, uint64_t seed);
// Keeps the listed classes (old labels), relabelled 0..k-1 with `names`.
data::Dataset select_classes(const data::Dataset& dataset, const std::vector<int64_t>& keep,
                             const std::vector<std::string>& names);

struct StudyContext {
  std::string study;    // "study-a"
  std::string command;  // the command line that made the run
  Profile profile;
  RunFolder out;
  StudyData data;
  Device device = Device::cpu;
  int workers = 2;
  std::string weights;            // --weights: ImageNet weights of the study's backbone, or empty
  std::string data_note;          // the synthetic-data banner, or empty
  std::vector<std::string> only;  // --only: glob patterns of the sub-runs to train (empty: all)
  // --restart: the selected sub-runs start from scratch (their folders emptied), finished or not.
  bool restart = false;
  // Set: a planning pass. run_sub_run only adds each sub-run still to train, with its
  // estimated cost, to *plan, and trains nothing.
  struct PlannedRun {
    std::string name;
    double seconds;  // estimated wall time on a 2-core CPU
  };
  std::vector<PlannedRun>* plan = nullptr;

  bool selected(const std::string& sub_run) const;  // trained now (if not finished before)?
};

struct OptimizerChoice {
  std::string kind = "adam";  // adam | adamw | sgd | rmsprop
  double lr = 1e-3;
  double weight_decay = 0.0;
  double eps = 1e-8;
};

struct SubRunResult;

// One training run of a study.
struct SubRun {
  std::string name;  // sub-folder, e.g. "wbc-10-base"
  std::string title;
  ModelSettings model;
  std::string init_weights;   // start from these weights (non-strict), e.g. an earlier sub-run's
  std::string init_prefix;    // prepended to the file's tensor names (e.g. "backbone.")
  std::string init_skip;      // leave out the file's tensors named so (a new head, e.g. "fc.")
  bool unfreeze_all = false;  // train every parameter (a frozen backbone without weights)
  data::Dataset train, test;
  std::optional<data::Dataset> validation;
  int height = 224, width = 224;
  int crop = 0;  // > 0: crop x crop windows of the height x width images, random ones in training
  bool imagenet_normalized = false;
  int64_t batch = 16, epochs = 10;
  OptimizerChoice optimizer;
  bool onecycle = false;  // OneCycle per step with max_lr = optimizer.lr, else constant
  LossKind loss = LossKind::cross_entropy;
  Target target = Target::images;  // ssim / mse: the input images, or the masks (segmentation)
  bool balanced_class_weights = false;
  double clip_value = 0.0;
  bool select_best_validation = false;  // test (and hand on) the lowest-validation-loss weights
  uint64_t seed = 0;
  std::vector<std::string> needs;  // earlier sub-runs whose weights this one starts from

  // The weights file of an earlier sub-run this one starts from; records it in `needs`.
  std::string weights_of(const SubRunResult& earlier);
};

struct SubRunResult {
  std::string name;
  std::filesystem::path folder;
  nlohmann::json results;  // results.json of the run
  nlohmann::json timing;   // timing.json of the run: wall seconds, machine (may be empty)
  std::string weights;     // the weights a later stage starts from
  bool finished = false;   // false: not selected by --only and not finished before
};

// Trains (or resumes, or skips when done) one sub-run and returns its results. A sub-run
// that --only leaves out is not trained: its result is the finished one on disk, if any, else
// unfinished. A selected sub-run whose `needs` have not finished is an error naming them.
SubRunResult run_sub_run(const StudyContext& context, const SubRun& run);

// A published number set for one row of a study's table; NaN where not published.
struct Published {
  std::string source;
  double accuracy, test_loss, macro_f1, weighted_f1;
};
Published published(std::string source, double accuracy, double test_loss = -1,
                    double macro_f1 = -1, double weighted_f1 = -1);  // -1: not published

// One row of the study table: our run(s) (several seeds give mean +- spread) beside the
// published numbers. No runs: "not run under this profile".
struct StudyRow {
  std::string label;
  std::vector<SubRunResult> runs;
  std::vector<Published> published;
};

struct StudyReport {
  std::string title;
  std::string summary;  // what the study did, one paragraph
  std::vector<StudyRow> rows;
  std::vector<SubRunResult> other_runs;  // pretraining stages without a row
  std::vector<std::string> differences;  // from the study, each one sentence or two
  std::vector<uint64_t> seeds;
};

// Writes <out>/report.md and <out>/study.json.
void write_study_report(const StudyContext& context, const StudyReport& report);

}  // namespace leuko::cli
