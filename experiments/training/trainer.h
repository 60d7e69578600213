// The Trainer: one generic training loop for every network and study (spec 2.6, 3.3).
// Per batch: forward -> loss -> backward -> clip -> optimizer step -> zero grads ->
// schedule step (when stepped per batch, e.g. OneCycle). After each epoch: validation,
// metrics.csv, and a checkpoint (model, optimizer, schedule, generators, epoch, history).
// At the end: the test split, results.json and report.md (experiments/report/report.h).
//
// Three kinds of target (LossSettings): class labels (cross-entropy), the input images
// (an autoencoder's SSIM / MSE) and the batch's masks (segmentation: MSE against the mask;
// the loaders must be made with mask_targets).
//
// A run whose folder already holds a checkpoint continues from it, and ends with the same
// numbers and weights as a run that was never interrupted: the loader's order depends only
// on (seed, epoch), and everything else that changes during training is in the checkpoint.
// It continues only when its settings are those of the checkpoint's run (the config stored
// in it): otherwise it stops naming the first setting that differs. Not compared, because they do
// not change what a run computes: git_commit and leuko_version (a run may be resumed by a rebuilt
// binary) and workers (the batches do not depend on it). The device is compared: CPU and GPU
// kernels round differently, so a resumed run would not end as an uninterrupted one.
//
// Data-parallel (settings.communicator with several ranks, engine/distributed): every rank
// runs this loop on its shard of each global batch (the loaders' rank and ranks), and the
// gradients are averaged over the global batch during backward (GradientReducer) before
// clipping and the optimizer step, so every rank keeps the same weights. Rank 0's weights
// and batch-norm buffers are broadcast at the start and before each evaluation (as PyTorch
// DDP's broadcast_buffers); every rank validates, and only rank 0 writes the run folder
// (which every rank must see, to resume) and tests. The epoch's training loss and accuracy
// are summed over the ranks.
//
// Numerical faults stop the run with one line naming the epoch and step: a loss that is
// NaN or Inf, or more than 10^4 times the first step's loss (see kDivergence), and a
// gradient that is not finite (naming the first such parameter). settings.detect_anomaly
// names the op that first made a NaN/Inf instead (engine/autograd.h).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/data/loader.h"
#include "engine/distributed/gradient_reducer.h"
#include "engine/optim/lr_schedule.h"
#include "engine/optim/optimizer.h"
#include "experiments/training/evaluation.h"
#include "experiments/training/model_zoo.h"
#include "experiments/report/report.h"
#include "experiments/training/run_folder.h"

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
  bool detect_anomaly = false;        // check every op's output and gradient (slow)
  Device device = Device::cpu;
  int reconstruction_examples = 4;  // test images shown in the report of an image-to-image run
  nlohmann::json config;            // every setting of the run: config.json, and inside checkpoints
  distributed::Communicator* communicator = nullptr;  // null: one process alone
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
  // A loss this many times the first step's (or this many, when that loss was below 1)
  // means training diverged: cross-entropy starts near ln(classes), 1-SSIM is at most 2,
  // and no run that learns climbs four orders of magnitude. A loss that starts near zero
  // (fine-tuning) may well rise by more than 10^4 times, hence the floor of 1.
  static constexpr double kDivergence = 1e4;

 private:
  bool is_root() const { return ranks() == 1 || settings_.communicator->is_root(); }
  int ranks() const { return settings_.communicator ? settings_.communicator->size() : 1; }
  // The sum over the ranks of each value (the values themselves with one rank).
  std::vector<double> sum_over_ranks(const std::vector<double>& values) const;
  void broadcast_model() const;  // rank 0's parameters and buffers to every rank
  void resume();
  // Stops when `config` (the checkpoint's run's) has other settings than this run.
  void check_same_settings(const nlohmann::json& config) const;
  // After backward: stops on a non-finite gradient, naming the first parameter.
  void check_gradients(int64_t epoch, int64_t step, double loss) const;
  std::string stop_note(int64_t epoch) const;  // where the last good checkpoint is
  nlohmann::json skipped_images() const;       // unreadable images left out, per split
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
  double first_loss_;  // the first step's loss: the reference for divergence
  nlohmann::json skipped_before_ = nlohmann::json::object();  // skipped_images() at the checkpoint
  std::vector<EpochRecord> history_;
  std::vector<double> epoch_seconds_;  // wall time of each epoch (training and validation)
  std::unique_ptr<distributed::GradientReducer> reducer_;  // with several ranks
};

}  // namespace leuko::cli
