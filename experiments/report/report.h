// What a run reports (spec section 7): the per-epoch history (metrics.csv), the test
// metrics (results.json), and report.md with SVG plots — loss and accuracy curves,
// confusion-matrix heat map, per-class precision / recall / F1 bars — example outputs for
// image-to-image runs (reconstructions; predicted and true masks for segmentation), and
// the published numbers side by side with ours when a study driver supplies them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/metrics.h"
#include "experiments/training/run_folder.h"

namespace leuko::cli {

// One epoch's numbers; NaN where a value does not apply (no validation split, or accuracy
// of an autoencoder).
struct EpochRecord {
  int64_t epoch = 0;  // 1-based
  double lr = 0.0;    // at the end of the epoch
  double train_loss = 0.0, train_accuracy = 0.0;
  double val_loss = 0.0, val_accuracy = 0.0, val_macro_f1 = 0.0;
};

std::string metrics_csv(const std::vector<EpochRecord>& history);
nlohmann::json history_to_json(const std::vector<EpochRecord>& history);
std::vector<EpochRecord> history_from_json(const nlohmann::json& json);

// A published number to show beside ours. `metric` is one of accuracy, macro_f1,
// weighted_f1, test_loss (the keys of our_numbers below).
struct PublishedNumber {
  std::string metric;
  double value = 0.0;
  std::string source;  // e.g. "Study A, report table 3"
};

// One test image of an image-to-image run, as PNG files relative to the run folder.
struct ExampleImages {
  std::string input, output;
  std::string target;  // the true mask of a segmentation run; empty for a reconstruction
};

struct ReportInput {
  std::string title;
  nlohmann::json config;
  std::vector<std::string> classes;  // empty for an autoencoder
  std::vector<EpochRecord> history;
  double test_loss = 0.0;
  int64_t test_images = 0;
  std::optional<ConfusionMatrix> test_confusion;  // classification only
  std::optional<double> test_mask_iou;            // segmentation only (Evaluation::mask_iou)
  std::vector<ExampleImages> examples;
  std::vector<PublishedNumber> published;
  std::string note;  // e.g. "trained on synthetic data"
};

// accuracy, macro_f1, weighted_f1 (classification), mask_iou (segmentation), test_loss.
std::vector<std::pair<std::string, double>> our_numbers(const ReportInput& input);

// results.json: test loss, accuracy, per-class precision / recall / F1 / support, macro and
// weighted averages, confusion matrix (rows = true class).
nlohmann::json results_json(const ReportInput& input);

// Writes plots/*.svg and report.md into the folder.
void write_report(const RunFolder& folder, const ReportInput& input);

}  // namespace leuko::cli
