// Synthetic white-blood-cell images, for unit tests and for the demo when no real data
// is pointed at. Five classes (named after the WBC types, in sorted order like the real
// folders) that differ the way real ones do: in the nucleus's shape, size and lobe count,
// and in the cytoplasm's granules and colour. Stain colour, cell size, position,
// orientation, noise and stray red cells vary per image, so a classifier must look at
// shapes, not just at one colour: learnable, but not by a single pixel statistic.
//
//   basophil    one big round nucleus, covered by many dark granules
//   eosinophil  two round lobes, cytoplasm full of orange granules
//   lymphocyte  small cell, one round nucleus filling most of it, thin blue rim
//   monocyte    large cell, kidney-shaped nucleus, grey-blue cytoplasm
//   neutrophil  three to five small lobes in a chain, pale pink cytoplasm
//
// Masks use segwbc's coding: 0 background, 128 cytoplasm, 255 nucleus.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/data/image.h"
#include "engine/data/loader.h"
#include "engine/random.h"

namespace leuko::data {

const std::vector<std::string>& synthetic_class_names();

struct SyntheticCell {
  Image image;  // size x size RGB
  Image mask;   // size x size grey
};
SyntheticCell synthetic_cell(int64_t label, int size, Generator& generator);

// n cells with labels drawn uniformly, as a ready batch ([n, 3, size, size] in [0, 1]).
Batch synthetic_batch(int64_t n, int size, Generator& generator);

struct SyntheticFolderOptions {
  int size = 64;
  int64_t train_per_class = 100;
  int64_t test_per_class = 20;
  double mask_fraction = 0.1;  // share of training images that also get a mask
  uint64_t seed = 0;
};
// Writes <root>/{train,test}/<class>/<k>.png and <root>/masks/train/<class>/<k>.png, the
// layout of the real data, so the same scanning and loading code runs on it. The files are
// written into <root>.partial, which is renamed to <root> when complete (replacing an
// older <root>): a process killed while generating leaves no <root>, so a rerun generates
// the whole set again instead of training on part of it.
void write_synthetic_folder(const std::filesystem::path& root,
                            const SyntheticFolderOptions& options);

}  // namespace leuko::data
