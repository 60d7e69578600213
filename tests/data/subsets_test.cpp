#include "engine/data/subsets.h"

#include <set>

#include "engine/error.h"
#include "tests/support/testing.h"

using namespace leuko;
using namespace leuko::data;

namespace {

// The course's WBC_100 training set as a file list (Table 1 of the spec): per class the
// data count and how many of those images have a mask. Nothing is read from disk.
Dataset wbc100_like() {
  const int64_t data[] = {176, 618, 2015, 466, 5172};
  const int64_t masks[] = {17, 61, 201, 46, 517};
  Dataset ds;
  ds.classes = {"Basophil", "Eosinophil", "Lymphocyte", "Monocyte", "Neutrophil"};
  for (int64_t c = 0; c < 5; ++c) {
    for (int64_t i = 0; i < data[c]; ++i) {
      const std::string name = ds.classes[c] + std::to_string(i);
      // Masks on every 7th-ish image, so masked and unmasked images interleave.
      const bool has_mask = i * masks[c] / data[c] != (i + 1) * masks[c] / data[c];
      ds.samples.push_back({name + ".jpg", has_mask ? name + "_mask.png" : "", c});
    }
  }
  return ds;
}

std::vector<int64_t> mask_counts(const Dataset& ds) {
  std::vector<int64_t> counts(ds.classes.size(), 0);
  for (const Sample& s : ds.samples) counts[s.label] += !s.mask.empty();
  return counts;
}

std::set<std::string> names(const Dataset& ds) {
  std::set<std::string> out;
  for (const Sample& s : ds.samples) out.insert(s.image.string());
  return out;
}

}  // namespace

TEST_CASE("stratified fractions reproduce the course's WBC_50/10/1 data and mask counts") {
  const Dataset full = wbc100_like();
  REQUIRE(mask_counts(full) == std::vector<int64_t>{17, 61, 201, 46, 517});
  const Dataset wbc50 = stratified_fraction(full, 0.5, 42);
  CHECK(wbc50.class_counts() == std::vector<int64_t>{88, 309, 1007, 233, 2586});
  CHECK(mask_counts(wbc50) == std::vector<int64_t>{8, 30, 100, 23, 258});
  const Dataset wbc10 = stratified_fraction(full, 0.1, 42);
  CHECK(wbc10.class_counts() == std::vector<int64_t>{17, 61, 201, 46, 517});
  CHECK(mask_counts(wbc10) == std::vector<int64_t>{1, 6, 20, 4, 51});
  const Dataset wbc1 = stratified_fraction(full, 0.01, 42);
  CHECK(wbc1.class_counts() == std::vector<int64_t>{1, 6, 20, 4, 51});
  CHECK(mask_counts(wbc1) == std::vector<int64_t>{0, 0, 2, 0, 5});
  CHECK(wbc1.size() == 82);
  CHECK(stratified_fraction(full, 1.0, 42).size() == full.size());
  CHECK(stratified_fraction(full, 0.0, 42).size() == 0);
  CHECK(stratified_counts({176, 618, 2015, 466, 5172}, 0.5) ==
        std::vector<int64_t>{88, 309, 1007, 233, 2586});
}

TEST_CASE("same seed: nested subsets (1% within 10% within 50%), another seed: another draw") {
  const Dataset full = wbc100_like();
  const std::set<std::string> p50 = names(stratified_fraction(full, 0.5, 7));
  const std::set<std::string> p10 = names(stratified_fraction(full, 0.1, 7));
  const std::set<std::string> p1 = names(stratified_fraction(full, 0.01, 7));
  CHECK(std::includes(p50.begin(), p50.end(), p10.begin(), p10.end()));
  CHECK(std::includes(p10.begin(), p10.end(), p1.begin(), p1.end()));
  CHECK(names(stratified_fraction(full, 0.1, 7)) == p10);  // reproducible
  CHECK(names(stratified_fraction(full, 0.1, 8)) != p10);
  CHECK_THROWS_WITH_AS(stratified_fraction(full, 1.5, 7),
                       doctest::Contains("fraction must be in [0, 1], got 1.5"), Error);
}

TEST_CASE("random_split: torch's sizes, disjoint parts covering the set, seeded") {
  CHECK(split_sizes(1728, {0.7, 0.3}) == std::vector<int64_t>{1210, 518});
  CHECK(split_sizes(10, {0.34, 0.33, 0.33}) == std::vector<int64_t>{4, 3, 3});
  Dataset ds;
  ds.classes = {"a"};
  for (int i = 0; i < 1728; ++i) ds.samples.push_back({std::to_string(i) + ".png", "", 0});
  const std::vector<Dataset> parts = random_split(ds, {0.7, 0.3}, 11);
  REQUIRE(parts.size() == 2);
  CHECK(parts[0].size() == 1210);
  CHECK(parts[1].size() == 518);
  std::set<std::string> all = names(parts[0]);
  const std::set<std::string> second = names(parts[1]);
  all.insert(second.begin(), second.end());
  CHECK(all.size() == 1728);
  CHECK(names(random_split(ds, {0.7, 0.3}, 11)[1]) == second);
  CHECK(names(random_split(ds, {0.7, 0.3}, 12)[1]) != second);
  const std::vector<Dataset> three =
      random_split_by_size(ds, std::vector<int64_t>{4541 - 4000, 795, 392}, 3);
  CHECK(three[2].size() == 392);
  CHECK_THROWS_WITH_AS(random_split_by_size(ds, std::vector<int64_t>{100, 200}, 1),
                       doctest::Contains("sizes sum to 300 but the dataset has 1728 samples"),
                       Error);
  CHECK_THROWS_WITH_AS(split_sizes(10, {0.5, 0.4}), doctest::Contains("fractions must sum to 1"),
                       Error);
}

TEST_CASE("balanced class weights are n / (k * n_c), as the spec's WBC_1 and WBC_100 values") {
  std::vector<int64_t> wbc1;
  const int64_t counts1[] = {1, 6, 20, 4, 51};
  for (int64_t c = 0; c < 5; ++c) wbc1.insert(wbc1.end(), counts1[c], c);
  const std::vector<float> w1 = balanced_class_weights(wbc1, 5);
  const float expected1[] = {16.4f, 2.7333f, 0.82f, 4.1f, 0.3216f};
  for (int c = 0; c < 5; ++c) CHECK(w1[c] == doctest::Approx(expected1[c]).epsilon(1e-4));
  const std::vector<float> w100 = balanced_class_weights(wbc100_like().labels(), 5);
  const float expected100[] = {9.5989f, 2.7337f, 0.8384f, 3.6253f, 0.3266f};
  for (int c = 0; c < 5; ++c) CHECK(w100[c] == doctest::Approx(expected100[c]).epsilon(1e-4));
  CHECK_THROWS_WITH_AS(balanced_class_weights({0, 0, 2}, 3),
                       doctest::Contains("class 1 has no samples"), Error);
  CHECK_THROWS_WITH_AS(balanced_class_weights({0, 5}, 3), doctest::Contains("label 5 outside 0..2"),
                       Error);
}

TEST_CASE("permutation is a seeded shuffle of 0..n-1") {
  Generator a(1), b(1);
  const std::vector<int64_t> p = permutation(100, a);
  CHECK(p == permutation(100, b));
  std::vector<int64_t> sorted = p;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < 100; ++i) CHECK(sorted[i] == i);
  CHECK(p != sorted);
}
