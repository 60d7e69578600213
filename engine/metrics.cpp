#include "engine/metrics.h"

#include "engine/error.h"

namespace leuko {

namespace {

// sklearn's zero_division=0: a class never predicted (or never present) scores 0, not NaN.
double safe_ratio(double numerator, double denominator) {
  return denominator > 0.0 ? numerator / denominator : 0.0;
}

}  // namespace

ConfusionMatrix::ConfusionMatrix(int64_t num_classes) : num_classes_(num_classes) {
  LEUKO_CHECK(num_classes > 0, "ConfusionMatrix: need at least one class, got ", num_classes);
  counts_.assign(static_cast<size_t>(num_classes * num_classes), 0);
}

void ConfusionMatrix::add(int64_t true_class, int64_t predicted_class) {
  LEUKO_CHECK(true_class >= 0 && true_class < num_classes_, "ConfusionMatrix: true class ",
              true_class, " is outside [0, ", num_classes_, ")");
  LEUKO_CHECK(predicted_class >= 0 && predicted_class < num_classes_,
              "ConfusionMatrix: predicted class ", predicted_class, " is outside [0, ",
              num_classes_, ")");
  ++counts_[static_cast<size_t>(true_class * num_classes_ + predicted_class)];
}

void ConfusionMatrix::add(const std::vector<int64_t>& true_classes,
                          const std::vector<int64_t>& predicted) {
  LEUKO_CHECK(true_classes.size() == predicted.size(), "ConfusionMatrix: ", true_classes.size(),
              " true classes but ", predicted.size(), " predictions");
  for (size_t i = 0; i < true_classes.size(); ++i) add(true_classes[i], predicted[i]);
}

int64_t ConfusionMatrix::count(int64_t true_class, int64_t predicted_class) const {
  return counts_.at(static_cast<size_t>(true_class * num_classes_ + predicted_class));
}

int64_t ConfusionMatrix::total() const {
  int64_t sum = 0;
  for (int64_t c : counts_) sum += c;
  return sum;
}

ClassificationReport classification_report(const ConfusionMatrix& confusion) {
  const int64_t k = confusion.num_classes();
  ClassificationReport report;
  report.precision.resize(k);
  report.recall.resize(k);
  report.f1.resize(k);
  report.support.resize(k);
  int64_t correct = 0;
  for (int64_t c = 0; c < k; ++c) {
    const double true_positives = static_cast<double>(confusion.count(c, c));
    int64_t predicted_as_c = 0, actually_c = 0;
    for (int64_t other = 0; other < k; ++other) {
      predicted_as_c += confusion.count(other, c);  // column c
      actually_c += confusion.count(c, other);      // row c
    }
    correct += confusion.count(c, c);
    const double precision = safe_ratio(true_positives, static_cast<double>(predicted_as_c));
    const double recall = safe_ratio(true_positives, static_cast<double>(actually_c));
    report.precision[c] = precision;
    report.recall[c] = recall;
    report.f1[c] = safe_ratio(2.0 * precision * recall, precision + recall);
    report.support[c] = actually_c;
  }
  const double total = static_cast<double>(confusion.total());
  report.accuracy = safe_ratio(static_cast<double>(correct), total);
  for (int64_t c = 0; c < k; ++c) {
    const double weight = safe_ratio(static_cast<double>(report.support[c]), total);
    report.macro_precision += report.precision[c] / static_cast<double>(k);
    report.macro_recall += report.recall[c] / static_cast<double>(k);
    report.macro_f1 += report.f1[c] / static_cast<double>(k);
    report.weighted_precision += report.precision[c] * weight;
    report.weighted_recall += report.recall[c] * weight;
    report.weighted_f1 += report.f1[c] * weight;
  }
  return report;
}

std::vector<int64_t> argmax_rows(const Tensor& logits) {
  check_dim(logits, 2, "argmax_rows", "logits");
  check_dtype(logits, DType::f32, "argmax_rows", "logits");
  const std::vector<float> values = logits.to_vector();
  const int64_t n = logits.size(0), k = logits.size(1);
  std::vector<int64_t> predicted(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const float* row = values.data() + i * k;
    int64_t best = 0;
    for (int64_t c = 1; c < k; ++c)
      if (row[c] > row[best]) best = c;
    predicted[i] = best;
  }
  return predicted;
}

}  // namespace leuko
