// Checks against the real data sets (see ../shared/data/*/SOURCE.md for their layouts and
// counts). Runs only when LEUKO_DATA points at them; otherwise each case says so and passes.
// Files are counted, not decoded, except for a small sample.
#include <cmath>
#include <set>

#include "engine/data/data_root.h"
#include "engine/data/loader.h"
#include "engine/data/subsets.h"
#include "engine/error.h"
#include "tests/support/testing.h"

using namespace leuko;
using namespace leuko::data;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kWbcClasses = {"basophil", "eosinophil", "lymphocyte", "monocyte",
                                              "neutrophil"};

// The data root with `folder` in it, or an empty path (after a MESSAGE) when there is none.
fs::path real_data(const char* folder) {
  const fs::path root = resolve_data_root();
  if (root.empty()) {
    MESSAGE("LEUKO_DATA is not set: skipping the real-data checks");
    return {};
  }
  if (!fs::is_directory(root / folder)) {
    MESSAGE("no ", folder, "/ under LEUKO_DATA: skipping");
    return {};
  }
  return root;
}

}  // namespace

TEST_CASE("pbc: five class folders with the documented counts, 224x224 RGB images") {
  const fs::path root = real_data("pbc");
  if (root.empty()) return;
  const Dataset train = scan_image_folder(root / "pbc/train");
  const Dataset test = scan_image_folder(root / "pbc/test");
  CHECK(train.classes == kWbcClasses);
  CHECK(test.classes == kWbcClasses);
  CHECK(train.class_counts() == std::vector<int64_t>{974, 2494, 971, 1136, 2663});
  CHECK(test.class_counts() == std::vector<int64_t>{220, 561, 219, 256, 599});
  // Decode a sample: two images of every class, from both splits.
  for (const Dataset* ds : {&train, &test}) {
    std::vector<int> decoded(5, 0);
    for (const Sample& sample : ds->samples) {
      if (decoded[sample.label]++ >= 2) continue;
      const Image image = read_image(sample.image);
      CAPTURE(sample.image.string());
      CHECK(image.height == 224);
      CHECK(image.width == 224);
      CHECK(image.channels == 3);
    }
  }
}

TEST_CASE("pbc: WBC-1/10/50/100 counts equal floor(p * N_c), and the drawn subsets have them") {
  const fs::path root = real_data("pbc");
  if (root.empty()) return;
  const WbcSubsetCounts table = wbc_subset_counts(root);
  const int64_t n[] = {974, 2494, 971, 1136, 2663};
  for (size_t f = 0; f < table.fractions.size(); ++f) {
    for (int c = 0; c < 5; ++c) {
      CHECK(table.counts[f][c] ==
            static_cast<int64_t>(std::floor(table.fractions[f] * n[c] + 1e-9)));
    }
  }
  CHECK(table.counts[0] == std::vector<int64_t>{9, 24, 9, 11, 26});
  CHECK(table.counts[1] == std::vector<int64_t>{97, 249, 97, 113, 266});
  CHECK(table.counts[2] == std::vector<int64_t>{487, 1247, 485, 568, 1331});
  CHECK(table.totals == std::vector<int64_t>{79, 822, 4118, 8238});
  const Dataset train = scan_image_folder(root / "pbc/train");
  for (size_t f = 0; f < table.fractions.size(); ++f) {
    CHECK(stratified_fraction(train, table.fractions[f], 2026).class_counts() == table.counts[f]);
  }
}

TEST_CASE("pbc: the loader turns WBC-1 into normalised 64x64 batches") {
  const fs::path root = real_data("pbc");
  if (root.empty()) return;
  const Dataset wbc1 = stratified_fraction(scan_image_folder(root / "pbc/train"), 0.01, 1);
  Loader loader(
      wbc1,
      {.batch_size = 16, .height = 64, .width = 64, .workers = 2, .normalization = kImageNetStats});
  int64_t seen = 0;
  while (std::optional<Batch> batch = loader.next()) {
    CHECK(batch->images.shape()[1] == 3);
    CHECK(batch->images.shape()[2] == 64);
    seen += batch->images.size(0);
  }
  CHECK(seen == 79);
}

TEST_CASE("segwbc: images and masks match one to one, same sizes, 0/128/255 masks") {
  const fs::path root = real_data("segwbc");
  if (root.empty()) return;
  const int64_t expected[2][5] = {{1, 22, 53, 48, 176}, {3, 12, 37, 15, 33}};
  int64_t total = 0;
  for (int d = 0; d < 2; ++d) {
    const std::string split = d == 0 ? "dataset1" : "dataset2";
    const Dataset ds = scan_image_folder(root / "segwbc" / split, root / "segwbc/masks" / split);
    CHECK(ds.classes == kWbcClasses);
    CHECK(ds.class_counts() == std::vector<int64_t>(expected[d], expected[d] + 5));
    for (const Sample& s : ds.samples) CHECK_FALSE(s.mask.empty());  // every image has its mask
    total += ds.size();
    // Decode every 20th pair: same size, values 0/128/255, and the masked copy is black
    // exactly outside the cell.
    const Dataset copies = with_masked_copies(ds);
    for (int64_t i = 0; i < ds.size(); i += 20) {
      const Image image = read_image(ds.samples[i].image);
      const Image mask = read_mask(ds.samples[i].mask);
      CAPTURE(ds.samples[i].image.string());
      CHECK(image.height == mask.height);
      CHECK(image.width == mask.width);
      CHECK(image.height >= 88);
      CHECK(image.height <= 300);
      std::set<int> values(mask.pixels.begin(), mask.pixels.end());
      for (int v : values) CHECK((v == 0 || v == 128 || v == 255));
      const Image masked = load_sample(copies.samples[ds.size() + i]);
      for (size_t p = 0; p < mask.pixels.size(); p += 7) {
        if (mask.pixels[p] == 0)
          CHECK(masked.pixels[p * 3] == 0);
        else
          CHECK(masked.pixels[p * 3] == image.pixels[p * 3]);
      }
    }
  }
  CHECK(total == 400);
}
