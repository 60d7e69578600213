// The four study drivers of `leuko reproduce` (spec sections 2-5). Each trains its
// sub-runs through run_sub_run and returns the rows of its report
// (experiments/studies/reproduce.h).
#pragma once

#include "experiments/studies/reproduce.h"

namespace leuko::cli {

StudyReport run_study_a(const StudyContext& context);  // seeds 000/002: Ramesh
StudyReport run_study_b(const StudyContext& context);  // seed 001: Kan-Hon
StudyReport run_study_c(const StudyContext& context);  // seed 003: ResNet-50 fine-tuning
StudyReport run_study_d(const StudyContext& context);  // seed 004: Roure et al.

// Study A's WBC data as its sub-runs see it (and `leuko subsets --write` lays it out): WBC-p,
// floor(p * N_c) images of each class of pbc/train drawn with `seed` (at most `cap` a class,
// 0: no cap); and pbc/test (capped likewise) split 70/30 into test and validation.
data::Dataset study_a_wbc_train(const data::Dataset& pbc_train, double p, uint64_t seed,
                                int64_t cap);
struct TestAndValidation {
  data::Dataset test, validation;
};
TestAndValidation study_a_wbc_test_split(const data::Dataset& pbc_test, int64_t cap);

}  // namespace leuko::cli
