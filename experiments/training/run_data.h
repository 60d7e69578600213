// The data side of a run, shared by train, eval and predict: finding a split's images,
// and the loader settings, which come from the run's config so that eval and predict
// prepare images exactly as training did.
#pragma once

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/data/loader.h"
#include "experiments/training/model_zoo.h"

namespace leuko::cli {

// <root>/<split> as an image folder (<class>/<file>); for reconstruction, a folder of
// plain images is accepted too. A missing folder is an Error saying the expected layout.
data::Dataset scan_split(const std::filesystem::path& root, const std::string& split, Task task);

// The images of <root>/<split> (class folders or plain files) that have a mask in
// <root>/masks/<split>, masks attached: a segmentation run's split. An Error when the
// mask folder is missing or no image has a mask.
data::Dataset scan_split_with_masks(const std::filesystem::path& root, const std::string& split);

// Reads height, width, normalize ("none" | "imagenet"), batch, seed and workers from a
// run config, and where present: crop (a crop x crop window of the resized image: random
// when `training`, else the centre one) and target ("masks": batches carry mask targets).
// `training` also shuffles the order.
data::LoaderOptions loader_options(const nlohmann::json& config, bool training);

// A config value, or an Error naming the key (a checkpoint from another program).
const nlohmann::json& config_value(const nlohmann::json& config, const std::string& key);

}  // namespace leuko::cli
