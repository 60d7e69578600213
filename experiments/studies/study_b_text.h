// The prose of Study B's report (the driver: studies/study_b.cpp): its title, what the study
// did, and where this reproduction differs from it, with the run's numbers filled in.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "experiments/studies/reproduce.h"

namespace leuko::cli {

extern const char* const kStudyBTitle;
extern const char* const kStudyBSummary;

// The numbers the differences mention.
struct StudyBFacts {
  const Profile& profile;
  bool synthetic = false;        // generated data, not a data root
  int side = 0;                  // the networks' input side
  int segmentation_resize = 0;   // stage 1 resizes to this, then crops side x side
  int64_t decoder_width = 0;     // the decoder's first feature map has this many channels
  int64_t masked_per_chain = 0;  // stage 1's masked images per chain, at most
  int64_t masked_images = 0;     // the masked images there are
  std::string fractions;         // the WBC fractions run, e.g. "1%, 10%"
};

std::vector<std::string> study_b_differences(const StudyBFacts& facts);

}  // namespace leuko::cli
