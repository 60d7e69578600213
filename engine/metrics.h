// Classification metrics with sklearn's definitions (spec sections 2.7, 3.4): accuracy, the
// confusion matrix (rows = true class, columns = predicted class), per-class precision,
// recall and F1 (a zero denominator gives 0, sklearn's zero_division=0), and their macro
// (unweighted mean over classes) and support-weighted averages.
//
//   ConfusionMatrix confusion(5);
//   confusion.add(labels, predictions);      // once per batch
//   ClassificationReport report = classification_report(confusion);
#pragma once

#include <cstdint>
#include <vector>

#include "engine/tensor.h"

namespace leuko {

class ConfusionMatrix {
 public:
  explicit ConfusionMatrix(int64_t num_classes);

  // Counts one (true, predicted) pair per element; both must lie in [0, num_classes).
  void add(int64_t true_class, int64_t predicted_class);
  void add(const std::vector<int64_t>& true_classes, const std::vector<int64_t>& predicted);

  int64_t num_classes() const { return num_classes_; }
  int64_t count(int64_t true_class, int64_t predicted_class) const;
  int64_t total() const;
  const std::vector<int64_t>& counts() const { return counts_; }  // row-major [true][predicted]

 private:
  int64_t num_classes_;
  std::vector<int64_t> counts_;
};

struct ClassificationReport {
  double accuracy = 0.0;                      // correct / total (0 for an empty matrix)
  std::vector<double> precision, recall, f1;  // per class
  std::vector<int64_t> support;               // true samples per class
  double macro_precision = 0.0, macro_recall = 0.0, macro_f1 = 0.0;
  double weighted_precision = 0.0, weighted_recall = 0.0, weighted_f1 = 0.0;
};

ClassificationReport classification_report(const ConfusionMatrix& confusion);

// The predicted class of each row of logits [N, K] (the first maximum on ties, as argmax).
std::vector<int64_t> argmax_rows(const Tensor& logits);

}  // namespace leuko
