// The Trainer: one generic training loop for every network and study (spec 2.6, 3.3).
// Per batch: forward -> loss -> backward -> clip -> optimizer step -> zero grads ->
// schedule step (when stepped per batch, e.g. OneCycle). After each epoch: validation,
// metrics.csv, and a checkpoint (model, optimizer, schedule, generators, epoch, history).
// At the end: the test split, results.json and report.md (experiments/report.h).
//
// Three kinds of target (LossSettings): class labels (cross-entropy), the input images
// (an autoencoder's SSIM / MSE) and the batch's masks (segmentation: MSE against the mask;
// the loaders must be made with mask_targets).
//
// A run whose folder already holds a checkpoint continues from it, and ends with the same
// numbers and weights as a run that was never interrupted: the loader's order depends only
// on (seed, epoch), and everything else that changes during training is in the checkpoint.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/data/loader.h"
#include "engine/optim/lr_schedule.h"
#include "engine/optim/optimizer.h"
#include "experiments/evaluation.h"
#include "experiments/model_zoo.h"
#include "experiments/report.h"
#include "experiments/run_folder.h"

namespace leuko::cli {

enum class ScheduleUnit { per_batch, per_epoch };

struct TrainerSettings {
  std::string model_name;  // recorded in checkpoints; a resume must use the same model
  int64_t epochs = 10;
  LossSettings loss;
  std::vector<std::string> classes;  // empty for reconstruction and segmentation
  double clip_value = 0.0;           // > 0: clip_grad_value_ after backward
  double clip_norm = 0.0;            // > 0: clip_grad_norm_ after backward
  ScheduleUnit schedule_unit = ScheduleUnit::per_batch;
  bool test_best_validation = false;  // test the lowest-validation-loss weights, else the last
  int64_t stop_after_epochs = 0;      // > 0: leave after this many epochs in this invocation
  Device device = Device::cpu;
  int reconstruction_examples = 4;  // test images shown in the report of an image-to-image run
  nlohmann::json config;  // every setting of the run: config.json, and inside checkpoints
  std::string title;
  std::string note;
  std::vector<PublishedNumber> published;
};

class Trainer {
 public:
  // The loaders may be null for validation (no validation split); the schedule may be null.
  Trainer(BuiltModel model, optim::Optimizer& optimizer, optim::LRSchedule* schedule,
          data::Loader& train, data::Loader* validation, data::Loader& test,
          const RunFolder& folder, TrainerSettings settings);

  // Trains from the folder's checkpoint (or from scratch), then tests and reports. Returns
  // false when it stopped early because of stop_after_epochs (nothing tested yet).
  bool run();

  const std::vector<EpochRecord>& history() const { return history_; }

  static constexpr const char* kCheckpoint = "checkpoint.safetensors";
  static constexpr const char* kBestCheckpoint = "best.safetensors";
  // Wall times (per epoch across resumes, the test pass, the machine): kept apart from
  // results.json, which a resumed run reproduces byte for byte.
  static constexpr const char* kTiming = "timing.json";

 private:
  void resume();
  EpochRecord train_epoch(int64_t epoch);
  void save(int64_t epochs_done, const std::string& file) const;
  void finish();
  // PNGs of a few test images with their outputs (and true masks), for the report.
  std::vector<ExampleImages> write_examples() const;

  BuiltModel model_;
  optim::Optimizer& optimizer_;
  optim::LRSchedule* schedule_;
  data::Loader& train_;
  data::Loader* validation_;
  data::Loader& test_;
  RunFolder folder_;
  TrainerSettings settings_;
  int64_t start_epoch_ = 0;
  double best_validation_loss_;
  std::vector<EpochRecord> history_;
  std::vector<double> epoch_seconds_;  // wall time of each epoch (training and validation)
};

}  // namespace leuko::cli
