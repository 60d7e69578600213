#include "engine/data/subsets.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "engine/error.h"

namespace leuko::data {

std::vector<int64_t> permutation(int64_t n, Generator& generator) {
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  for (int64_t i = n - 1; i > 0; --i) {
    const int64_t j = static_cast<int64_t>(generator.next_u64() % static_cast<uint64_t>(i + 1));
    std::swap(order[i], order[j]);
  }
  return order;
}

namespace {

int64_t floor_fraction(double p, int64_t n) {
  // A tiny epsilon keeps e.g. 0.1 * 8470 = 847.0000000000001 or 846.9999999999999 from
  // losing a sample to binary rounding of p.
  return static_cast<int64_t>(std::floor(p * static_cast<double>(n) + 1e-9));
}

void check_fraction(double p, const char* op) {
  LEUKO_CHECK(p >= 0.0 && p <= 1.0, op, ": fraction must be in [0, 1], got ", p);
}

}  // namespace

std::vector<int64_t> stratified_counts(const std::vector<int64_t>& class_counts, double p) {
  check_fraction(p, "stratified_counts");
  std::vector<int64_t> out;
  for (int64_t n : class_counts) out.push_back(floor_fraction(p, n));
  return out;
}

Dataset stratified_fraction(const Dataset& dataset, double p, uint64_t seed) {
  check_fraction(p, "stratified_fraction");
  const int64_t classes = static_cast<int64_t>(dataset.classes.size());
  std::vector<char> keep(dataset.samples.size(), 0);
  for (int64_t label = 0; label < classes; ++label) {
    for (bool with_mask : {false, true}) {
      std::vector<int64_t> group;
      for (size_t i = 0; i < dataset.samples.size(); ++i) {
        const Sample& s = dataset.samples[i];
        LEUKO_CHECK(s.label >= 0 && s.label < classes, "stratified_fraction: sample ",
                    s.image.string(), " has label ", s.label, " (expected 0..", classes - 1, ")");
        if (s.label == label && s.mask.empty() != with_mask)
          group.push_back(static_cast<int64_t>(i));
      }
      // One generator per (seed, class, group): a class's draw does not depend on the others.
      Generator generator(seed * 1000003ULL + static_cast<uint64_t>(label) * 2 +
                          (with_mask ? 1 : 0));
      const std::vector<int64_t> order = permutation(static_cast<int64_t>(group.size()), generator);
      int64_t take = floor_fraction(p, static_cast<int64_t>(group.size()));
      if (!with_mask) {
        // The class total must be floor(p * N_c) even though each group is floored alone.
        int64_t masked = 0;
        for (const Sample& s : dataset.samples) masked += (s.label == label && !s.mask.empty());
        take = floor_fraction(p, static_cast<int64_t>(group.size()) + masked) -
               floor_fraction(p, masked);
      }
      for (int64_t k = 0; k < take; ++k) keep[group[order[k]]] = 1;
    }
  }
  Dataset out;
  out.classes = dataset.classes;
  for (size_t i = 0; i < dataset.samples.size(); ++i) {
    if (keep[i]) out.samples.push_back(dataset.samples[i]);
  }
  return out;
}

std::vector<int64_t> split_sizes(int64_t n, const std::vector<double>& fractions) {
  LEUKO_CHECK(!fractions.empty(), "random_split: no fractions given");
  double total = 0.0;
  for (double f : fractions) {
    check_fraction(f, "random_split");
    total += f;
  }
  LEUKO_CHECK(std::abs(total - 1.0) < 1e-6, "random_split: fractions must sum to 1, got ", total);
  std::vector<int64_t> sizes;
  int64_t assigned = 0;
  for (double f : fractions) {
    sizes.push_back(static_cast<int64_t>(std::floor(f * static_cast<double>(n))));
    assigned += sizes.back();
  }
  for (size_t i = 0; assigned < n; i = (i + 1) % sizes.size(), ++assigned) ++sizes[i];
  return sizes;
}

std::vector<Dataset> random_split_by_size(const Dataset& dataset, const std::vector<int64_t>& sizes,
                                          uint64_t seed) {
  int64_t total = 0;
  for (int64_t s : sizes) {
    LEUKO_CHECK(s >= 0, "random_split: sizes must be non-negative, got ", s);
    total += s;
  }
  LEUKO_CHECK(total == dataset.size(), "random_split: sizes sum to ", total,
              " but the dataset has ", dataset.size(), " samples (expected equal)");
  Generator generator(seed);
  const std::vector<int64_t> order = permutation(dataset.size(), generator);
  std::vector<Dataset> parts;
  int64_t next = 0;
  for (int64_t s : sizes) {
    Dataset part;
    part.classes = dataset.classes;
    for (int64_t k = 0; k < s; ++k) part.samples.push_back(dataset.samples[order[next++]]);
    parts.push_back(std::move(part));
  }
  return parts;
}

std::vector<Dataset> random_split(const Dataset& dataset, const std::vector<double>& fractions,
                                  uint64_t seed) {
  return random_split_by_size(dataset, split_sizes(dataset.size(), fractions), seed);
}

std::vector<float> balanced_class_weights(const std::vector<int64_t>& labels, int64_t num_classes) {
  LEUKO_CHECK(num_classes > 0, "balanced_class_weights: need at least one class, got ",
              num_classes);
  std::vector<int64_t> counts(num_classes, 0);
  for (int64_t y : labels) {
    LEUKO_CHECK(y >= 0 && y < num_classes, "balanced_class_weights: label ", y, " outside 0..",
                num_classes - 1);
    ++counts[y];
  }
  std::vector<float> weights;
  for (int64_t c = 0; c < num_classes; ++c) {
    LEUKO_CHECK(counts[c] > 0, "balanced_class_weights: class ", c,
                " has no samples (expected every class in the labels)");
    weights.push_back(static_cast<float>(static_cast<double>(labels.size()) /
                                         (static_cast<double>(num_classes) * counts[c])));
  }
  return weights;
}

}  // namespace leuko::data
