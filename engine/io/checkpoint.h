// A checkpoint: everything needed to continue a training run exactly where it stopped —
// model parameters and buffers, optimizer state, LR-schedule state, random generators and
// the epoch — in one safetensors file (tensors under "model.", "optimizer.", "schedule.";
// generators and the epoch in the metadata). Written atomically (temp file + rename).
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "engine/tensor.h"

namespace leuko {

struct Checkpoint {
  std::map<std::string, Tensor> model;
  std::map<std::string, Tensor> optimizer;
  std::map<std::string, Tensor> schedule;
  std::map<std::string, std::string> generators;  // name -> Generator::state()
  int64_t epoch = 0;                              // epochs completed
  std::map<std::string, std::string> info;        // free-form (run config, git commit, ...)
};

void save_checkpoint(const std::string& path, const Checkpoint& checkpoint);

// A truncated file, a safetensors file that is not a leuko checkpoint, or a newer format
// version is a leuko::Error naming the file.
Checkpoint load_checkpoint(const std::string& path);

}  // namespace leuko
