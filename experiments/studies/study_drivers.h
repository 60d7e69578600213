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

}  // namespace leuko::cli
