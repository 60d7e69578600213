// Datasets as lists of files. An image folder is `<dir>/<class>/<file>` (classes are the
// sorted sub-folder names, so the label order is the same on every machine); an
// unlabelled folder is `<dir>/<file>`. Masks live in a parallel tree and are matched to
// their image by class and file stem: `<mask_dir>/<class>/<stem>.*`.
//
// Scanning only lists files (fast even for thousands of images); pixels are decoded later,
// by the loader. A Dataset is a plain list of Samples, so the recipes in subsets.h and
// here (masked copies, the four-copy augmentation) are simple list operations.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/data/image.h"
#include "engine/random.h"

namespace leuko::data {

// The random transform a sample gets each time it is read (study A's four copies).
enum class Augment : uint8_t {
  none,           // as decoded
  flips,          // horizontal flip p=0.5, then vertical flip p=0.5
  rotation,       // rotation uniform in [-a, a] degrees (nearest, zero fill)
  rotation_flips  // rotation, then vertical flip p=0.5, then horizontal flip p=0.5
};
const char* to_string(Augment augment);

struct Sample {
  std::filesystem::path image;
  std::filesystem::path mask;  // empty: no mask
  int64_t label = -1;          // -1: unlabelled
  bool masked = false;         // true: the image x binarised mask copy
  Augment augment = Augment::none;
};

struct Dataset {
  std::vector<std::string> classes;  // label -> class name
  std::vector<Sample> samples;

  int64_t size() const { return static_cast<int64_t>(samples.size()); }
  std::vector<int64_t> labels() const;
  std::vector<int64_t> class_counts() const;  // samples per class, indexed by label
};

// `<dir>/<class>/<file>`. Every class folder must hold at least one image; a non-image
// file (other than hidden dot-files, e.g. .DS_Store) is an error naming it. With a
// mask_dir, each `<mask_dir>/<class>/<stem>.*` is attached to the image of that stem, and
// a mask without an image is an error; images without masks are fine (often only a few
// have one).
Dataset scan_image_folder(const std::filesystem::path& dir,
                          const std::filesystem::path& mask_dir = {});

// `<dir>/<file>`, labels -1, masks matched by stem in mask_dir if given.
Dataset scan_unlabelled_folder(const std::filesystem::path& dir,
                               const std::filesystem::path& mask_dir = {});

// Reads one sample's pixels: RGB, and for a masked sample the image x binarised mask
// (the mask must have the image's size).
Image load_sample(const Sample& sample);

// Study A's "maskification": the dataset plus, for every sample with a mask, a masked
// copy of it (same label), appended after the originals.
Dataset with_masked_copies(const Dataset& dataset);

// Study A's pRCC/Cam16 recipe: four concatenated copies of the dataset with augment
// none, flips, rotation, rotation_flips (rotation amplitude is a loader option).
Dataset four_copy_augmentation(const Dataset& dataset);

// Concatenates datasets with the same classes.
Dataset concatenate(const std::vector<Dataset>& parts);

// Applies a sample's Augment with `generator` (angles uniform in [-max_degrees, max_degrees]).
Image augment_image(const Image& image, Augment augment, double max_degrees, Generator& generator);

}  // namespace leuko::data
