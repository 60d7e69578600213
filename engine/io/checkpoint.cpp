#include "engine/io/checkpoint.h"

#include "engine/error.h"
#include "engine/io/safetensors.h"

namespace leuko {

static constexpr const char* kFormat = "leuko-checkpoint";
static constexpr const char* kVersion = "1";

static const std::map<std::string, std::map<std::string, Tensor> Checkpoint::*>& sections() {
  static const std::map<std::string, std::map<std::string, Tensor> Checkpoint::*> table{
      {"model.", &Checkpoint::model},
      {"optimizer.", &Checkpoint::optimizer},
      {"schedule.", &Checkpoint::schedule}};
  return table;
}

void save_checkpoint(const std::string& path, const Checkpoint& checkpoint) {
  std::map<std::string, Tensor> tensors;
  for (const auto& [prefix, member] : sections()) {
    for (const auto& [name, t] : checkpoint.*member) tensors[prefix + name] = t;
  }
  std::map<std::string, std::string> metadata{
      {"format", kFormat}, {"version", kVersion}, {"epoch", std::to_string(checkpoint.epoch)}};
  for (const auto& [name, state] : checkpoint.generators) metadata["generator." + name] = state;
  for (const auto& [name, value] : checkpoint.info) metadata["info." + name] = value;
  save_safetensors(path, tensors, metadata);
}

static bool take_prefix(const std::string& key, const std::string& prefix, std::string& rest) {
  if (key.compare(0, prefix.size(), prefix) != 0) return false;
  rest = key.substr(prefix.size());
  return true;
}

Checkpoint load_checkpoint(const std::string& path) {
  SafetensorsFile file = load_safetensors(path);
  auto format = file.metadata.find("format");
  LEUKO_CHECK(format != file.metadata.end() && format->second == kFormat, path,
              ": not a leuko checkpoint (a plain weights file? load it with --weights)");
  LEUKO_CHECK(file.metadata["version"] == kVersion, path, ": checkpoint format version ",
              file.metadata["version"], ", this build reads version ", kVersion);
  Checkpoint checkpoint;
  try {
    checkpoint.epoch = std::stoll(file.metadata.at("epoch"));
  } catch (const std::exception&) {
    throw Error(cat(path, ": checkpoint has no valid epoch"));
  }
  std::string rest;
  for (const auto& [key, value] : file.metadata) {
    if (take_prefix(key, "generator.", rest)) checkpoint.generators[rest] = value;
    if (take_prefix(key, "info.", rest)) checkpoint.info[rest] = value;
  }
  for (const auto& [key, t] : file.tensors) {
    bool placed = false;
    for (const auto& [prefix, member] : sections()) {
      if (take_prefix(key, prefix, rest)) {
        (checkpoint.*member)[rest] = t;
        placed = true;
      }
    }
    LEUKO_CHECK(placed, path, ": unexpected tensor '", key, "' in checkpoint");
  }
  return checkpoint;
}

}  // namespace leuko
