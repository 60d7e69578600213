#include "experiments/training/run_data.h"

#include "engine/data/image_folder.h"
#include "engine/error.h"

namespace leuko::cli {

data::Dataset scan_split(const std::filesystem::path& root, const std::string& split, Task task) {
  const std::filesystem::path dir = root / split;
  LEUKO_CHECK(std::filesystem::is_directory(dir), "data folder ", root.string(), " has no ", split,
              "/ split (expected ", dir.string(), "/<class>/<image>)");
  if (task == Task::reconstruction) {
    bool has_subfolders = false;
    for (const auto& entry : std::filesystem::directory_iterator(dir))
      has_subfolders = has_subfolders || entry.is_directory();
    if (!has_subfolders) return data::scan_unlabelled_folder(dir);
  }
  return data::scan_image_folder(dir);
}

data::Dataset scan_split_with_masks(const std::filesystem::path& root, const std::string& split) {
  const std::filesystem::path dir = root / split, masks = root / "masks" / split;
  LEUKO_CHECK(std::filesystem::is_directory(dir), "data folder ", root.string(), " has no ", split,
              "/ split (expected ", dir.string(), "/<class>/<image>)");
  LEUKO_CHECK(std::filesystem::is_directory(masks), "masks as the target: data folder ",
              root.string(), " has no masks/", split, "/ folder (expected ", masks.string(),
              "/<class>/<stem>.png)");
  bool has_subfolders = false;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    has_subfolders = has_subfolders || entry.is_directory();
  const data::Dataset all = has_subfolders ? data::scan_image_folder(dir, masks)
                                           : data::scan_unlabelled_folder(dir, masks);
  data::Dataset with_mask{all.classes, {}};
  for (const data::Sample& sample : all.samples)
    if (!sample.mask.empty()) with_mask.samples.push_back(sample);
  LEUKO_CHECK(with_mask.size() > 0, "masks as the target: no image of ", dir.string(),
              " has a mask in ", masks.string());
  return with_mask;
}

const nlohmann::json& config_value(const nlohmann::json& config, const std::string& key) {
  LEUKO_CHECK(config.contains(key), "run config has no '", key, "' setting");
  return config.at(key);
}

data::LoaderOptions loader_options(const nlohmann::json& config, bool training) {
  data::LoaderOptions options;
  options.batch_size = config_value(config, "batch").get<int64_t>();
  options.height = config_value(config, "height").get<int>();
  options.width = config_value(config, "width").get<int>();
  options.seed = config_value(config, "seed").get<uint64_t>();
  options.workers = config_value(config, "workers").get<int>();
  options.shuffle = training;
  options.crop_height = options.crop_width = config.value("crop", 0);
  options.random_crop = training && options.crop_height > 0;
  options.mask_targets = config.value("target", std::string("images")) == "masks";
  options.skip_bad_images = config.value("skip_bad_images", false);
  // Batches bound for a GPU are built in page-locked memory (ordinary host memory under the
  // emulator, which so runs the same upload path as a real device).
  options.pin_memory = config.value("device", std::string("cpu")) != "cpu";
  const std::string normalize = config_value(config, "normalize").get<std::string>();
  LEUKO_CHECK(normalize == "none" || normalize == "imagenet", "unknown normalization '", normalize,
              "': expected none or imagenet");
  if (normalize == "imagenet") options.normalization = data::kImageNetStats;
  return options;
}

}  // namespace leuko::cli
