// The loader's mask targets (segmentation): the batch's masks go through exactly the
// geometry of their images (resize, crop, random crop, flips, rotation), binarised to
// {0, 1} and never normalised; missing or mis-sized masks are clear errors.
#include <set>

#include "engine/data/loader.h"
#include "engine/error.h"
#include "tests/data/temp_folder.h"
#include "tests/support/testing.h"

using namespace leuko;
using namespace leuko::data;
using namespace leuko::testing;

namespace {

// Image + mask pairs on disk: a white square (its corner at (top, left)) on black, and a
// mask that is 255 on the same square (128 on its first row: cytoplasm counts as cell too).
struct SquareFolder {
  TempFolder root;
  Dataset dataset;
  SquareFolder(int size, int count, int side = 10) {
    std::filesystem::create_directories(root / "images/cell");
    std::filesystem::create_directories(root / "masks/cell");
    for (int k = 0; k < count; ++k) {
      const int top = 3 + 2 * k, left = 5 + k;
      Image image(size, size, 3), mask(size, size, 1);
      for (int y = top; y < top + side; ++y)
        for (int x = left; x < left + side; ++x) {
          for (int c = 0; c < 3; ++c) image.at(y, x, c) = 255;
          mask.at(y, x, 0) = y == top ? 128 : 255;
        }
      write_image(image, root / cat("images/cell/", k, ".png"));
      write_image(mask, root / cat("masks/cell/", k, ".png"));
    }
    dataset = scan_image_folder(root / "images", root / "masks");
  }
};

std::vector<Batch> one_epoch(Loader& loader, int64_t epoch) {
  loader.start_epoch(epoch);
  std::vector<Batch> batches;
  while (std::optional<Batch> b = loader.next()) batches.push_back(std::move(*b));
  return batches;
}

// The [3, H, W] target of sample i of a batch.
Tensor target_of(const Batch& batch, int64_t i) {
  return batch.masks.slice(0, i, i + 1).reshape({3, batch.masks.size(2), batch.masks.size(3)});
}

}  // namespace

TEST_CASE("the target is the mask resized with nearest neighbour, centre cropped, in {0, 1}") {
  SquareFolder folder(40, 3);
  Loader loader(folder.dataset, {.batch_size = 3,
                                 .height = 30,
                                 .width = 30,
                                 .crop_height = 24,
                                 .crop_width = 24,
                                 .shuffle = false,
                                 .workers = 0,
                                 .normalization = kImageNetStats,
                                 .mask_targets = true});
  const Batch batch = loader.next().value();
  REQUIRE(batch.masks.shape() == Shape{3, 3, 24, 24});
  CHECK(batch.images.shape() == Shape{3, 3, 24, 24});
  for (int64_t i = 0; i < 3; ++i) {
    const Image mask =
        center_crop(resize_nearest(read_mask(folder.dataset.samples[i].mask), 30, 30), 24, 24);
    std::vector<float> expected(3 * 24 * 24);
    mask_to_target_into(mask, expected.data());
    CAPTURE(i);
    CHECK(target_of(batch, i).to_vector() == expected);  // exact: no normalisation, no blur
  }
  // The images are still normalised (the bottom-right pixel is black background).
  CHECK(batch.images.to_vector()[24 * 24 - 1] ==
        doctest::Approx(-kImageNetStats.mean[0] / kImageNetStats.std[0]));
}

TEST_CASE("image and mask stay aligned under a random crop, flips and rotation") {
  SquareFolder folder(32, 4);
  Dataset augmented = folder.dataset;
  for (Sample& s : augmented.samples) s.augment = Augment::rotation_flips;
  for (int workers : {0, 2}) {
    CAPTURE(workers);
    Loader loader(augmented, {.batch_size = 2,
                              .crop_height = 20,
                              .crop_width = 20,
                              .random_crop = true,
                              .rotation_degrees = 30.0,
                              .seed = 5,
                              .workers = workers,
                              .mask_targets = true});
    std::set<std::vector<float>> distinct_targets;
    int64_t cell = 0;
    for (int64_t epoch = 0; epoch < 4; ++epoch) {
      for (const Batch& batch : one_epoch(loader, epoch)) {
        for (int64_t i = 0; i < batch.images.size(0); ++i) {
          // No resize, and every geometric step is nearest neighbour with zero fill: the
          // bright pixels of the image are exactly the cell pixels of the mask.
          const std::vector<float> image = batch.images.slice(0, i, i + 1).contiguous().to_vector();
          const std::vector<float> target = target_of(batch, i).to_vector();
          int64_t misaligned = 0;
          for (size_t p = 0; p < target.size(); ++p) {
            misaligned += (image[p] > 0.5f) != (target[p] == 1.0f);
            cell += target[p] == 1.0f;
          }
          CHECK(misaligned == 0);
          if (batch.indices[i] == 0) distinct_targets.insert(target);
        }
      }
    }
    CHECK(cell > 0);                      // the squares are (mostly) inside the windows
    CHECK(distinct_targets.size() >= 3);  // the window and the turn change every epoch
  }
}

TEST_CASE(
    "the random crop is the same whatever the number of workers, and the cache holds uncropped "
    "images") {
  SquareFolder folder(28, 5);
  std::vector<std::vector<float>> reference;
  for (int workers : {0, 1, 3}) {
    Loader loader(folder.dataset, {.batch_size = 2,
                                   .height = 24,
                                   .width = 24,
                                   .crop_height = 16,
                                   .crop_width = 16,
                                   .random_crop = true,
                                   .seed = 2,
                                   .workers = workers,
                                   .mask_targets = true});
    std::vector<std::vector<float>> values;
    for (const Batch& b : one_epoch(loader, 1)) {
      values.push_back(b.images.to_vector());
      values.push_back(b.masks.to_vector());
    }
    CHECK(loader.cached_bytes() == 5 * 24 * 24 * (3 + 1));  // RGB and grey, before the crop
    if (reference.empty()) {
      reference = values;
    } else {
      CAPTURE(workers);
      CHECK(values == reference);
    }
  }
  // A loader without random_crop cuts the centre: the same pixels every epoch.
  Loader centred(folder.dataset, {.batch_size = 5,
                                  .height = 24,
                                  .width = 24,
                                  .crop_height = 16,
                                  .crop_width = 16,
                                  .shuffle = false,
                                  .mask_targets = true});
  CHECK(one_epoch(centred, 0)[0].masks.to_vector() == one_epoch(centred, 3)[0].masks.to_vector());
  // Without mask_targets a batch has no masks.
  Loader plain(folder.dataset, {.batch_size = 5, .height = 24, .width = 24});
  CHECK_FALSE(plain.next()->masks.defined());
}

TEST_CASE(
    "mask targets need a mask for every sample, of the image's size, and random_crop needs a "
    "crop") {
  SquareFolder folder(24, 2);
  Dataset missing = folder.dataset;
  missing.samples[1].mask.clear();
  const std::string no_mask =
      "mask targets were asked for, but " + missing.samples[1].image.string() + " has no mask";
  CHECK_THROWS_WITH_AS(Loader(missing, {.mask_targets = true}), doctest::Contains(no_mask.c_str()),
                       Error);
  write_image(Image(20, 24, 1), folder.dataset.samples[0].mask);
  Loader loader(folder.dataset,
                {.batch_size = 2, .shuffle = false, .workers = 0, .mask_targets = true});
  const std::string mis_sized = "is 24x20 pixels but its image " +
                                folder.dataset.samples[0].image.string() +
                                " is 24x24 pixels (expected the same size)";
  CHECK_THROWS_WITH_AS(loader.next(), doctest::Contains(mis_sized.c_str()), Error);
  CHECK_THROWS_WITH_AS(Loader(folder.dataset, {.random_crop = true}),
                       doctest::Contains("random_crop needs a crop size"), Error);
}
