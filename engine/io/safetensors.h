// safetensors files: 8-byte little-endian header length, a JSON header mapping each name to
// {dtype, shape, data_offsets}, then the raw little-endian tensor bytes. The format PyTorch
// and Hugging Face use, so weights exported from torchvision load by their key names.
#pragma once

#include <map>
#include <string>

#include "engine/tensor.h"

namespace leuko {

struct SafetensorsFile {
  std::map<std::string, Tensor> tensors;  // on the CPU
  std::map<std::string, std::string> metadata;
};

// Reads F32, I64 and I32 tensors; any other dtype, a truncated file or a malformed header is a
// leuko::Error naming the file and what is wrong. The header must be a plausible length, name
// each key once, and its tensors' byte ranges must cover the data section exactly (no gap,
// no overlap, nothing past the end), each as long as its shape and dtype need.
SafetensorsFile load_safetensors(const std::string& path);

// A NaN or Inf among `tensors`' f32 values is a leuko::Error naming `path` and the tensor:
// weights loaded to evaluate or to start training from must be numbers.
void check_finite(const std::map<std::string, Tensor>& tensors, const std::string& path);

// Writes atomically: to `path`.tmp, then renamed over `path`, so a crash never leaves a
// half-written file behind.
void save_safetensors(const std::string& path, const std::map<std::string, Tensor>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

// Writes `bytes` to `path` atomically: a temp file, fsynced, renamed over `path`, then the
// folder fsynced, so neither a crash nor a power loss leaves a half-written or empty file.
// Used by every file the project writes that must survive a crash.
void write_file_atomically(const std::string& path, const std::string& bytes);

}  // namespace leuko
