#include "engine/data/image_folder.h"

#include <algorithm>
#include <map>

#include "engine/data/transforms.h"
#include "engine/error.h"

namespace leuko::data {
namespace fs = std::filesystem;

namespace {

const char* kExpectedImages = "expected .jpg, .jpeg, .png or .bmp images";

bool is_hidden(const fs::path& path) { return path.filename().string().starts_with("."); }

void check_folder(const fs::path& dir, const char* what) {
  LEUKO_CHECK(!dir.empty(), what, ": no folder given");
  LEUKO_CHECK(fs::exists(dir), what, " ", dir.string(), ": the folder does not exist");
  LEUKO_CHECK(fs::is_directory(dir), what, " ", dir.string(), ": not a folder");
}

// The image files directly inside `dir`, sorted by name; anything else is an error.
std::vector<fs::path> list_images(const fs::path& dir, const char* what) {
  std::vector<fs::path> files;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
    const fs::path& path = entry.path();
    if (is_hidden(path)) continue;  // .DS_Store and friends: system junk, not data
    LEUKO_CHECK(entry.is_regular_file(), what, " ", dir.string(), ": unexpected folder ",
                path.filename().string(), " (", kExpectedImages, ")");
    LEUKO_CHECK(is_image_file(path), what, " ", dir.string(), ": ", path.filename().string(),
                " is not an image file (", kExpectedImages, ")");
    files.push_back(path);
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<std::string> list_class_folders(const fs::path& dir, const char* what) {
  std::vector<std::string> classes;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
    if (is_hidden(entry.path())) continue;
    LEUKO_CHECK(entry.is_directory(), what, " ", dir.string(), ": unexpected file ",
                entry.path().filename().string(), " (expected only class folders <class>/<image>)");
    classes.push_back(entry.path().filename().string());
  }
  std::sort(classes.begin(), classes.end());
  return classes;
}

// Attaches every mask in `mask_files` to the sample of `samples` with the same stem.
void attach_masks(std::vector<Sample*>& samples, const std::vector<fs::path>& mask_files,
                  const fs::path& image_dir) {
  std::map<std::string, Sample*> by_stem;
  for (Sample* sample : samples) {
    const std::string stem = sample->image.stem().string();
    LEUKO_CHECK(by_stem.emplace(stem, sample).second, "image folder ", image_dir.string(),
                ": two images share the stem '", stem, "' (expected one image per mask stem)");
  }
  for (const fs::path& mask : mask_files) {
    auto it = by_stem.find(mask.stem().string());
    LEUKO_CHECK(it != by_stem.end(), "mask ", mask.string(), ": no image with the stem '",
                mask.stem().string(), "' in ", image_dir.string(), " (expected <stem>.* there)");
    LEUKO_CHECK(it->second->mask.empty(), "mask ", mask.string(), ": a second mask for image ",
                it->second->image.string(), " (expected one mask per image)");
    it->second->mask = mask;
  }
}

}  // namespace

const char* to_string(Augment augment) {
  switch (augment) {
    case Augment::none:
      return "none";
    case Augment::flips:
      return "flips";
    case Augment::rotation:
      return "rotation";
    case Augment::rotation_flips:
      return "rotation_flips";
  }
  return "?";
}

std::vector<int64_t> Dataset::labels() const {
  std::vector<int64_t> out;
  out.reserve(samples.size());
  for (const Sample& s : samples) out.push_back(s.label);
  return out;
}

std::vector<int64_t> Dataset::class_counts() const {
  std::vector<int64_t> counts(classes.size(), 0);
  for (const Sample& s : samples) {
    if (s.label >= 0 && s.label < static_cast<int64_t>(counts.size())) ++counts[s.label];
  }
  return counts;
}

Dataset scan_image_folder(const fs::path& dir, const fs::path& mask_dir) {
  check_folder(dir, "image folder");
  Dataset dataset;
  dataset.classes = list_class_folders(dir, "image folder");
  LEUKO_CHECK(!dataset.classes.empty(), "image folder ", dir.string(),
              ": no class folders (expected <class>/<image> inside)");
  for (size_t label = 0; label < dataset.classes.size(); ++label) {
    const fs::path class_dir = dir / dataset.classes[label];
    const std::vector<fs::path> files = list_images(class_dir, "class folder");
    LEUKO_CHECK(!files.empty(), "class folder ", class_dir.string(), ": no images (",
                kExpectedImages, ")");
    for (const fs::path& file : files)
      dataset.samples.push_back({file, {}, static_cast<int64_t>(label)});
  }
  if (mask_dir.empty()) return dataset;

  check_folder(mask_dir, "mask folder");
  for (const std::string& name : list_class_folders(mask_dir, "mask folder")) {
    auto it = std::find(dataset.classes.begin(), dataset.classes.end(), name);
    LEUKO_CHECK(it != dataset.classes.end(), "mask folder ", (mask_dir / name).string(),
                ": no class '", name, "' in the image folder ", dir.string());
    const int64_t label = it - dataset.classes.begin();
    std::vector<Sample*> in_class;
    for (Sample& s : dataset.samples) {
      if (s.label == label) in_class.push_back(&s);
    }
    attach_masks(in_class, list_images(mask_dir / name, "mask folder"), dir / name);
  }
  return dataset;
}

Dataset scan_unlabelled_folder(const fs::path& dir, const fs::path& mask_dir) {
  check_folder(dir, "image folder");
  Dataset dataset;
  const std::vector<fs::path> files = list_images(dir, "image folder");
  LEUKO_CHECK(!files.empty(), "image folder ", dir.string(), ": no images (", kExpectedImages, ")");
  for (const fs::path& file : files) dataset.samples.push_back({file, {}, -1});
  if (mask_dir.empty()) return dataset;
  check_folder(mask_dir, "mask folder");
  std::vector<Sample*> all;
  for (Sample& s : dataset.samples) all.push_back(&s);
  attach_masks(all, list_images(mask_dir, "mask folder"), dir);
  return dataset;
}

Image load_sample(const Sample& sample) {
  Image image = read_image(sample.image);
  if (!sample.masked) return image;
  LEUKO_CHECK(!sample.mask.empty(), "image ", sample.image.string(),
              ": a masked copy needs a mask, and this image has none");
  return apply_mask(image, read_mask(sample.mask),
                    cat("mask ", sample.mask.string(), " for image ", sample.image.string()));
}

Dataset with_masked_copies(const Dataset& dataset) {
  Dataset out = dataset;
  for (const Sample& s : dataset.samples) {
    if (s.mask.empty() || s.masked) continue;
    Sample copy = s;
    copy.masked = true;
    out.samples.push_back(copy);
  }
  return out;
}

Dataset four_copy_augmentation(const Dataset& dataset) {
  Dataset out;
  out.classes = dataset.classes;
  for (Augment augment :
       {Augment::none, Augment::flips, Augment::rotation, Augment::rotation_flips}) {
    for (Sample s : dataset.samples) {
      s.augment = augment;
      out.samples.push_back(s);
    }
  }
  return out;
}

Dataset concatenate(const std::vector<Dataset>& parts) {
  Dataset out;
  if (parts.empty()) return out;
  out.classes = parts.front().classes;
  for (const Dataset& part : parts) {
    LEUKO_CHECK(part.classes == out.classes,
                "concatenate: datasets must have the same classes in the same order");
    out.samples.insert(out.samples.end(), part.samples.begin(), part.samples.end());
  }
  return out;
}

Image augment_image(const Image& image, Augment augment, double max_degrees, Generator& generator) {
  switch (augment) {
    case Augment::none:
      return image;
    case Augment::flips:
      return random_flip_vertical(random_flip_horizontal(image, generator), generator);
    case Augment::rotation:
      return random_rotation(image, generator, max_degrees);
    case Augment::rotation_flips:
      return random_flip_horizontal(
          random_flip_vertical(random_rotation(image, generator, max_degrees), generator),
          generator);
  }
  return image;
}

}  // namespace leuko::data
