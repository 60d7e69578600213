#include "experiments/report/report.h"

#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

#include "engine/format.h"
#include "experiments/report/svg_plot.h"

namespace leuko::cli {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Four decimals unless said otherwise; an empty cell for a value not measured.
std::string fixed(double value, int digits = 4) { return leuko::fixed(value, digits); }

// JSON has no NaN: missing values are null.
nlohmann::json number_or_null(double value) {
  return std::isnan(value) ? nlohmann::json(nullptr) : nlohmann::json(value);
}
double number_or_nan(const nlohmann::json& value) {
  return value.is_null() ? kNaN : value.get<double>();
}

std::vector<std::vector<int64_t>> rows(const ConfusionMatrix& confusion) {
  const int64_t k = confusion.num_classes();
  std::vector<std::vector<int64_t>> out(k, std::vector<int64_t>(k));
  for (int64_t r = 0; r < k; ++r)
    for (int64_t c = 0; c < k; ++c) out[r][c] = confusion.count(r, c);
  return out;
}

}  // namespace

std::string metrics_csv(const std::vector<EpochRecord>& history) {
  std::ostringstream csv;
  csv << "epoch,lr,train_loss,train_accuracy,val_loss,val_accuracy,val_macro_f1\n";
  for (const EpochRecord& r : history) {
    char lr[32];
    std::snprintf(lr, sizeof lr, "%.6g", r.lr);
    csv << r.epoch << "," << lr << "," << fixed(r.train_loss, 6) << ","
        << fixed(r.train_accuracy, 6) << "," << fixed(r.val_loss, 6) << ","
        << fixed(r.val_accuracy, 6) << "," << fixed(r.val_macro_f1, 6) << "\n";
  }
  return csv.str();
}

nlohmann::json history_to_json(const std::vector<EpochRecord>& history) {
  nlohmann::json out = nlohmann::json::array();
  for (const EpochRecord& r : history)
    out.push_back({{"epoch", r.epoch},
                   {"lr", r.lr},
                   {"train_loss", number_or_null(r.train_loss)},
                   {"train_accuracy", number_or_null(r.train_accuracy)},
                   {"val_loss", number_or_null(r.val_loss)},
                   {"val_accuracy", number_or_null(r.val_accuracy)},
                   {"val_macro_f1", number_or_null(r.val_macro_f1)}});
  return out;
}

std::vector<EpochRecord> history_from_json(const nlohmann::json& json) {
  std::vector<EpochRecord> history;
  for (const nlohmann::json& r : json)
    history.push_back({r.at("epoch").get<int64_t>(), r.at("lr").get<double>(),
                       number_or_nan(r.at("train_loss")), number_or_nan(r.at("train_accuracy")),
                       number_or_nan(r.at("val_loss")), number_or_nan(r.at("val_accuracy")),
                       number_or_nan(r.at("val_macro_f1"))});
  return history;
}

std::vector<std::pair<std::string, double>> our_numbers(const ReportInput& input) {
  std::vector<std::pair<std::string, double>> numbers;
  if (input.test_confusion) {
    const ClassificationReport report = classification_report(*input.test_confusion);
    numbers = {{"accuracy", report.accuracy},
               {"macro_f1", report.macro_f1},
               {"weighted_f1", report.weighted_f1}};
  }
  if (input.test_mask_iou) numbers.emplace_back("mask_iou", *input.test_mask_iou);
  numbers.emplace_back("test_loss", input.test_loss);
  return numbers;
}

nlohmann::json results_json(const ReportInput& input) {
  nlohmann::json results{{"test_loss", input.test_loss}, {"test_images", input.test_images}};
  if (input.test_mask_iou) results["mask_iou"] = *input.test_mask_iou;
  if (input.test_confusion) {
    const ClassificationReport report = classification_report(*input.test_confusion);
    results["accuracy"] = report.accuracy;
    results["macro"] = {{"precision", report.macro_precision},
                        {"recall", report.macro_recall},
                        {"f1", report.macro_f1}};
    results["weighted"] = {{"precision", report.weighted_precision},
                           {"recall", report.weighted_recall},
                           {"f1", report.weighted_f1}};
    nlohmann::json per_class = nlohmann::json::array();
    for (size_t c = 0; c < input.classes.size(); ++c)
      per_class.push_back({{"class", input.classes[c]},
                           {"precision", report.precision[c]},
                           {"recall", report.recall[c]},
                           {"f1", report.f1[c]},
                           {"support", report.support[c]}});
    results["per_class"] = per_class;
    results["classes"] = input.classes;
    results["confusion_matrix"] = rows(*input.test_confusion);
  }
  results["history"] = history_to_json(input.history);
  return results;
}

void write_report(const RunFolder& folder, const ReportInput& input) {
  std::ostringstream md;
  md << "# " << input.title << "\n\n";
  if (!input.note.empty()) md << "> " << input.note << "\n\n";

  md << "## Test results\n\n| metric | value |\n|---|---|\n";
  for (const auto& [metric, value] : our_numbers(input))
    md << "| " << metric << " | " << fixed(value) << " |\n";
  md << "| test images | " << input.test_images << " |\n\n";

  // Loss and accuracy curves (train and validation).
  std::vector<double> epochs, train_loss, val_loss, train_accuracy, val_accuracy;
  for (const EpochRecord& r : input.history) {
    epochs.push_back(static_cast<double>(r.epoch));
    train_loss.push_back(r.train_loss);
    val_loss.push_back(r.val_loss);
    train_accuracy.push_back(r.train_accuracy);
    val_accuracy.push_back(r.val_accuracy);
  }
  md << "## Training curves\n\n";
  folder.write("plots/loss.svg",
               line_chart("Loss per epoch", "epoch", "loss",
                          {{"train", epochs, train_loss}, {"validation", epochs, val_loss}}));
  md << "![loss](plots/loss.svg)\n\n";
  if (input.test_confusion) {
    folder.write("plots/accuracy.svg", line_chart("Accuracy per epoch", "epoch", "accuracy",
                                                  {{"train", epochs, train_accuracy},
                                                   {"validation", epochs, val_accuracy}}));
    md << "![accuracy](plots/accuracy.svg)\n\n";
  }

  if (input.test_confusion) {
    const ClassificationReport report = classification_report(*input.test_confusion);
    md << "## Per-class metrics (test)\n\n| class | precision | recall | F1 | support |\n"
          "|---|---|---|---|---|\n";
    for (size_t c = 0; c < input.classes.size(); ++c)
      md << "| " << input.classes[c] << " | " << fixed(report.precision[c]) << " | "
         << fixed(report.recall[c]) << " | " << fixed(report.f1[c]) << " | " << report.support[c]
         << " |\n";
    md << "| macro avg | " << fixed(report.macro_precision) << " | " << fixed(report.macro_recall)
       << " | " << fixed(report.macro_f1) << " | |\n"
       << "| weighted avg | " << fixed(report.weighted_precision) << " | "
       << fixed(report.weighted_recall) << " | " << fixed(report.weighted_f1) << " | |\n\n";
    folder.write("plots/per_class.svg",
                 grouped_bars("Per-class precision, recall and F1 (test)", input.classes,
                              {{"precision", {}, report.precision},
                               {"recall", {}, report.recall},
                               {"F1", {}, report.f1}}));
    md << "![per-class metrics](plots/per_class.svg)\n\n";
    folder.write("plots/confusion.svg",
                 heat_map("Confusion matrix (test)", input.classes, rows(*input.test_confusion),
                          "true class", "predicted class"));
    md << "## Confusion matrix (rows = true class)\n\n![confusion matrix](plots/confusion.svg)\n\n";
  }

  if (!input.examples.empty() && input.examples.front().target.empty()) {
    md << "## Reconstructions (test)\n\n| input | reconstruction |\n|---|---|\n";
    for (const ExampleImages& e : input.examples)
      md << "| ![input](" << e.input << ") | ![reconstruction](" << e.output << ") |\n";
    md << "\n";
  } else if (!input.examples.empty()) {
    md << "## Segmentation examples (test)\n\nThe predicted mask is the network's output (0 black, "
          "1 white); the true mask is 1 on the whole cell.\n\n"
          "| input | predicted mask | true mask |\n|---|---|---|\n";
    for (const ExampleImages& e : input.examples)
      md << "| ![input](" << e.input << ") | ![predicted mask](" << e.output << ") | ![true mask]("
         << e.target << ") |\n";
    md << "\n";
  }

  md << "## Published numbers\n\n";
  if (input.published.empty()) {
    md << "No published numbers were given for this run.\n\n";
  } else {
    const auto ours = our_numbers(input);
    md << "| metric | published | ours | ours - published | source |\n|---|---|---|---|---|\n";
    for (const PublishedNumber& p : input.published) {
      double mine = kNaN;
      for (const auto& [metric, value] : ours)
        if (metric == p.metric) mine = value;
      md << "| " << p.metric << " | " << fixed(p.value) << " | " << fixed(mine) << " | "
         << fixed(mine - p.value) << " | " << p.source << " |\n";
    }
    md << "\n";
  }

  md << "## Configuration\n\n```json\n" << input.config.dump(2) << "\n```\n";
  folder.write("report.md", md.str());
}

}  // namespace leuko::cli
