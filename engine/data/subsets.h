// Drawing subsets of a dataset, reproducibly: stratified fractions (WBC_1/10/50/100),
// seeded random splits (e.g. test/validation 70/30), and sklearn's "balanced" class weights.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/data/image_folder.h"

namespace leuko::data {

// Per class c, floor(p * N_c) samples drawn with a fixed seed. Within a class, images with
// a mask and images without are drawn separately (floor(p * M_c) of the masked ones), so
// the mask counts also follow floor(p * M_c), as in the course's WBC subsets.
// Each (class, mask) group is shuffled once by a generator seeded from `seed` and the
// subset is a prefix of that order: with the same seed, smaller fractions are nested
// inside larger ones (1% within 10% within 50%); different seeds give independent draws.
// Samples keep their original order in the result.
Dataset stratified_fraction(const Dataset& dataset, double p, uint64_t seed);

// floor(p * N_c) for every class: the counts stratified_fraction gives.
std::vector<int64_t> stratified_counts(const std::vector<int64_t>& class_counts, double p);

// Shuffles with `seed` and cuts consecutive parts of the given sizes (they must sum to
// the dataset's size).
std::vector<Dataset> random_split_by_size(const Dataset& dataset, const std::vector<int64_t>& sizes,
                                          uint64_t seed);
// Sizes from fractions summing to 1, as torch.utils.data.random_split: floor(f * n) each,
// then the remainder handed out one by one from the first part (1728 x {0.7, 0.3} -> 1210, 518).
std::vector<int64_t> split_sizes(int64_t n, const std::vector<double>& fractions);
std::vector<Dataset> random_split(const Dataset& dataset, const std::vector<double>& fractions,
                                  uint64_t seed);

// sklearn's compute_class_weight("balanced"): w_c = n / (k * n_c) for k classes. Every
// class must occur (a weight for an absent class would be infinite).
std::vector<float> balanced_class_weights(const std::vector<int64_t>& labels, int64_t num_classes);

// A seeded Fisher-Yates permutation of 0..n-1 (the one shuffle used by subsets and loader).
std::vector<int64_t> permutation(int64_t n, Generator& generator);

}  // namespace leuko::data
