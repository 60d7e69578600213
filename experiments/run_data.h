// The data side of a run, shared by train, eval and predict: finding a split's images,
// and the loader settings, which come from the run's config so that eval and predict
// prepare images exactly as training did.
#pragma once

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/data/loader.h"
#include "experiments/model_zoo.h"

namespace leuko::cli {

// <root>/<split> as an image folder (<class>/<file>); for reconstruction, a folder of
// plain images is accepted too. A missing folder is an Error saying the expected layout.
data::Dataset scan_split(const std::filesystem::path& root, const std::string& split, Task task);

// Reads height, width, normalize ("none" | "imagenet"), batch, seed and workers from a
// run config.
data::LoaderOptions loader_options(const nlohmann::json& config, bool shuffle);

// A config value, or an Error naming the key (a checkpoint from another program).
const nlohmann::json& config_value(const nlohmann::json& config, const std::string& key);

}  // namespace leuko::cli
