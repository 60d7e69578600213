#include "engine/data/loader.h"

#include <set>

#include "engine/data/synthetic.h"
#include "engine/error.h"
#include "tests/data/temp_folder.h"
#include "tests/support/testing.h"

using namespace leuko;
using namespace leuko::data;
using namespace leuko::testing;

namespace {

// A small synthetic image folder (5 classes x 7 images of 24x24, some masks) on disk.
struct SmallFolder {
  TempFolder root;
  Dataset train;
  SmallFolder() {
    write_synthetic_folder(
        root.path(),
        {.size = 24, .train_per_class = 7, .test_per_class = 0, .mask_fraction = 0.4, .seed = 3});
    train = scan_image_folder(root / "train", root / "masks/train");
  }
};

std::vector<Batch> one_epoch(Loader& loader, int64_t epoch) {
  loader.start_epoch(epoch);
  std::vector<Batch> batches;
  while (std::optional<Batch> b = loader.next()) batches.push_back(std::move(*b));
  return batches;
}

}  // namespace

TEST_CASE("batches have the right shapes, labels and values, every sample once per epoch") {
  SmallFolder folder;
  Loader loader(folder.train,
                {.batch_size = 8, .height = 16, .width = 16, .shuffle = true, .seed = 1});
  CHECK(loader.batches_per_epoch() == 5);
  const std::vector<Batch> batches = one_epoch(loader, 0);
  REQUIRE(batches.size() == 5);
  CHECK(batches[0].images.shape() == Shape{8, 3, 16, 16});
  CHECK(batches[4].images.shape() == Shape{3, 3, 16, 16});  // 35 = 4 * 8 + 3
  CHECK(batches[0].labels.dtype() == DType::i64);
  std::multiset<int64_t> seen;
  for (const Batch& b : batches) {
    const std::vector<int64_t> labels = b.labels.to_vector_i64();
    for (size_t i = 0; i < b.indices.size(); ++i) {
      seen.insert(b.indices[i]);
      CHECK(labels[i] == folder.train.samples[b.indices[i]].label);
    }
  }
  CHECK(seen.size() == 35);
  CHECK(std::set<int64_t>(seen.begin(), seen.end()).size() == 35);
  // The first image's tensor is resize(decode(file)) / 255.
  const Image expected =
      resize(read_image(folder.train.samples[batches[0].indices[0]].image), 16, 16);
  leuko::testing::check_close(batches[0].images.slice(0, 0, 1).reshape({3, 16, 16}),
                              to_tensor(expected), 0.0f, 1e-7f, "first image of the batch");
}

TEST_CASE("drop_last, no shuffle, and a new order every epoch") {
  SmallFolder folder;
  Loader ordered(folder.train,
                 {.batch_size = 8, .height = 16, .width = 16, .shuffle = false, .drop_last = true});
  const std::vector<Batch> batches = one_epoch(ordered, 0);
  CHECK(batches.size() == 4);
  CHECK(batches[0].indices == std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7});
  Loader shuffled(folder.train, {.batch_size = 35, .height = 16, .width = 16, .seed = 4});
  CHECK(one_epoch(shuffled, 0)[0].indices != one_epoch(shuffled, 1)[0].indices);
  CHECK(one_epoch(shuffled, 2)[0].indices == one_epoch(shuffled, 2)[0].indices);
}

TEST_CASE("same seed, same batches, whatever the number of workers (with augmentation)") {
  SmallFolder folder;
  const Dataset augmented = four_copy_augmentation(with_masked_copies(folder.train));
  std::vector<std::vector<float>> reference;
  for (int workers : {0, 1, 3}) {
    Loader loader(augmented, {.batch_size = 16,
                              .height = 20,
                              .width = 20,
                              .seed = 9,
                              .workers = workers,
                              .prefetch_batches = 2,
                              .normalization = kImageNetStats});
    std::vector<std::vector<float>> values;
    for (int64_t epoch = 0; epoch < 2; ++epoch)
      for (const Batch& b : one_epoch(loader, epoch)) values.push_back(b.images.to_vector());
    if (reference.empty()) {
      reference = values;
    } else {
      CAPTURE(workers);
      CHECK(values == reference);
    }
  }
  // The augmented copies differ from the plain ones, and between epochs.
  Loader loader(augmented, {.batch_size = static_cast<int64_t>(augmented.size()),
                            .height = 20,
                            .width = 20,
                            .shuffle = false,
                            .seed = 9});
  const Tensor e0 = one_epoch(loader, 0)[0].images, e1 = one_epoch(loader, 1)[0].images;
  const int64_t n =
      folder.train.size() + static_cast<int64_t>(augmented.size() / 4 - folder.train.size());
  CHECK(e0.slice(0, 0, 1).to_vector() == e1.slice(0, 0, 1).to_vector());  // plain copy: same
  CHECK(e0.slice(0, 2 * n, 2 * n + 1).to_vector() !=
        e1.slice(0, 2 * n, 2 * n + 1).to_vector());  // rotated
}

TEST_CASE("the cache decodes each file once, a cache that cannot fit is a clear error") {
  SmallFolder folder;
  const Dataset four = four_copy_augmentation(folder.train);
  Loader loader(four, {.batch_size = 10, .height = 16, .width = 16, .workers = 2});
  one_epoch(loader, 0);
  CHECK(loader.cached_images() == folder.train.size());  // four copies share one slot
  CHECK(loader.cached_bytes() == folder.train.size() * 16 * 16 * 3);
  // Later epochs read the cache: deleting the files does not matter any more.
  for (const Sample& s : folder.train.samples) std::filesystem::remove(s.image);
  CHECK(one_epoch(loader, 1).size() == 14);
  CHECK_THROWS_WITH_AS(
      Loader(four, {.height = 2048, .width = 2048, .cache_limit_mb = 64}),
      doctest::Contains("the image cache does not fit: 35 images of 2048x2048 need 420 MiB but "
                        "cache_limit_mb is 64"),
      Error);
  Loader uncached(four, {.height = 2048, .width = 2048, .cache = false, .cache_limit_mb = 64});
  CHECK(uncached.cached_images() == 0);
}

TEST_CASE("a corrupt image stops the run by default, or is skipped and counted") {
  SmallFolder folder;
  const std::filesystem::path bad = folder.train.samples[3].image;
  const std::vector<uint8_t> bytes = read_bytes(bad);
  write_bytes(bad, std::vector<uint8_t>(bytes.begin(), bytes.begin() + 40));
  for (int workers : {0, 2}) {
    CAPTURE(workers);
    Loader strict(folder.train, {.batch_size = 4, .height = 16, .width = 16, .workers = workers});
    strict.start_epoch(0);
    const std::string expected = bad.string() + ": corrupt or truncated";
    auto drain = [&] {
      while (strict.next()) {
      }
    };
    CHECK_THROWS_WITH_AS(drain(), doctest::Contains(expected.c_str()), Error);
    Loader lenient(
        folder.train,
        {.batch_size = 4, .height = 16, .width = 16, .workers = workers, .skip_bad_images = true});
    for (int64_t epoch = 0; epoch < 2; ++epoch) {
      int64_t count = 0;
      for (const Batch& b : one_epoch(lenient, epoch)) {
        count += b.images.size(0);
        for (int64_t index : b.indices) CHECK(index != 3);
      }
      CHECK(count == 34);
    }
    CHECK(lenient.skipped_images() == 1);
  }
}

TEST_CASE("skipping bad images may not leave a class empty") {
  SmallFolder folder;
  std::vector<std::filesystem::path> eosinophils;
  for (const Sample& s : folder.train.samples)
    if (s.label == 1) eosinophils.push_back(s.image);
  REQUIRE(eosinophils.size() == 7);
  const auto corrupt = [](const std::filesystem::path& image) {
    write_bytes(image, {0x89, 'P', 'N', 'G'});
  };
  for (size_t i = 0; i + 1 < eosinophils.size(); ++i) corrupt(eosinophils[i]);
  for (int workers : {0, 2}) {
    CAPTURE(workers);
    Loader one_left(
        folder.train,
        {.batch_size = 4, .height = 16, .width = 16, .workers = workers, .skip_bad_images = true});
    CHECK(one_epoch(one_left, 0).size() > 0);
    CHECK(one_left.skipped_images() == 6);
  }
  corrupt(eosinophils.back());
  for (int workers : {0, 2}) {
    CAPTURE(workers);
    Loader none_left(
        folder.train,
        {.batch_size = 4, .height = 16, .width = 16, .workers = workers, .skip_bad_images = true});
    CHECK_THROWS_WITH_AS(
        one_epoch(none_left, 0),
        doctest::Contains("every image of class 'eosinophil' is unreadable (7 of 7 skipped"),
        Error);
  }
}

TEST_CASE("images of different sizes need a resize, bad options are clear errors") {
  TempFolder root;
  leuko::testing::write_pattern(root / "d/a/x.png", 8, 8);
  leuko::testing::write_pattern(root / "d/a/y.png", 8, 9);
  const Dataset ds = scan_image_folder(root / "d");
  Loader loader(ds, {.batch_size = 2, .shuffle = false, .workers = 0});
  CHECK_THROWS_WITH_AS(loader.next(), doctest::Contains("y.png is 9x8 but its batch needs 8x8"),
                       Error);
  Loader resized(ds, {.batch_size = 2, .height = 8, .width = 8, .workers = 0});
  CHECK(resized.next()->images.shape() == Shape{2, 3, 8, 8});
  CHECK_THROWS_WITH_AS(Loader(ds, {.batch_size = 0}),
                       doctest::Contains("batch_size must be positive"), Error);
  CHECK_THROWS_WITH_AS(Loader(ds, {.height = 8}),
                       doctest::Contains("resize needs both height and width"), Error);
  CHECK_THROWS_WITH_AS(Loader(Dataset{}, {}), doctest::Contains("the dataset is empty"), Error);
}

TEST_CASE("centre crop after resize, and channel statistics") {
  SmallFolder folder;
  Loader loader(folder.train,
                {.batch_size = 4, .height = 20, .width = 20, .crop_height = 12, .crop_width = 12});
  CHECK(loader.next()->images.shape() == Shape{4, 3, 12, 12});
  const ChannelStats stats =
      compute_channel_stats(folder.train, {.batch_size = 16, .height = 16, .width = 16});
  // Direct computation over the same prepared images.
  double sum = 0, sum_sq = 0, count = 0;
  for (const Sample& s : folder.train.samples) {
    const Image image = resize(read_image(s.image), 16, 16);
    for (int y = 0; y < 16; ++y)
      for (int x = 0; x < 16; ++x) {
        const double v = image.at(y, x, 0) / 255.0;
        sum += v;
        sum_sq += v * v;
        ++count;
      }
  }
  const double mean = sum / count;
  CHECK(stats.mean[0] == doctest::Approx(mean).epsilon(1e-5));
  CHECK(stats.std[0] == doctest::Approx(std::sqrt(sum_sq / count - mean * mean)).epsilon(1e-4));
  // Normalising with these statistics gives zero mean and unit std.
  Loader normalized(folder.train,
                    {.batch_size = 64, .height = 16, .width = 16, .normalization = stats});
  const Tensor images = normalized.next()->images;
  double n_sum = 0, n_sum_sq = 0;
  for (int64_t i = 0; i < images.size(0); ++i) {
    for (float v : images.slice(0, i, i + 1).slice(1, 2, 3).contiguous().to_vector()) {
      n_sum += v;
      n_sum_sq += static_cast<double>(v) * v;
    }
  }
  const double n = images.size(0) * 16.0 * 16.0;
  CHECK(n_sum / n == doctest::Approx(0.0).scale(1.0).epsilon(1e-4));
  CHECK(n_sum_sq / n == doctest::Approx(1.0).epsilon(1e-3));
}

TEST_CASE("pinned batches hold the same values as ordinary ones and stay CPU tensors") {
  const leuko::testing::TempFolder folder;
  leuko::data::write_synthetic_folder(folder.path(),
                                      {.size = 16, .train_per_class = 2, .test_per_class = 1});
  const leuko::data::Dataset dataset = leuko::data::scan_image_folder(folder / "train");
  leuko::data::LoaderOptions options;
  options.batch_size = 4;
  options.workers = 0;
  options.shuffle = false;
  leuko::data::Loader plain(dataset, options);
  options.pin_memory = true;
  leuko::data::Loader pinned(dataset, options);
  plain.start_epoch(0);
  pinned.start_epoch(0);
  while (std::optional<leuko::data::Batch> a = plain.next()) {
    const std::optional<leuko::data::Batch> b = pinned.next();
    REQUIRE(b.has_value());
    CHECK(b->images.device() == leuko::Device::cpu);
    CHECK(b->images.to_vector() == a->images.to_vector());
    CHECK(b->labels.to_vector_i64() == a->labels.to_vector_i64());
  }
  CHECK_FALSE(pinned.next().has_value());
}

TEST_CASE("ranks share each global batch: together they see what one process sees") {
  SmallFolder folder;  // 35 images
  // One process with batches of 8, against 3 ranks with 8/3 each: 35 = 4 x 8 + 3.
  LoaderOptions whole{.batch_size = 6, .height = 16, .width = 16, .seed = 9, .workers = 0};
  Loader one(folder.train, whole);
  const std::vector<Batch> reference = one_epoch(one, 1);
  REQUIRE(reference.size() == 6);  // 5 x 6 + 5
  std::vector<std::vector<Batch>> shards;
  for (int rank = 0; rank < 3; ++rank) {
    LoaderOptions options = whole;
    options.batch_size = 2;
    options.rank = rank;
    options.ranks = 3;
    Loader loader(folder.train, options);
    CHECK(loader.batches_per_epoch() == 6);
    shards.push_back(one_epoch(loader, 1));
    REQUIRE(shards.back().size() == 6);
  }
  for (size_t k = 0; k < reference.size(); ++k) {
    std::vector<int64_t> joined;
    for (const std::vector<Batch>& shard : shards)
      joined.insert(joined.end(), shard[k].indices.begin(), shard[k].indices.end());
    CHECK(joined == reference[k].indices);  // in order: rank 0's slice first
  }
  // The last global batch of 5 splits 2 + 2 + 1.
  CHECK(shards[0][5].indices.size() == 2);
  CHECK(shards[2][5].indices.size() == 1);
  // With 4 ranks of 2, the last global batch would hold 3 images for 4 ranks: dropped.
  LoaderOptions four = whole;
  four.batch_size = 2;
  four.ranks = 4;
  CHECK(Loader(folder.train, four).batches_per_epoch() == 4);  // 35 = 4 x 8 + 3
  four.rank = 4;
  CHECK_THROWS_WITH_AS(Loader(folder.train, four), doctest::Contains("rank 4 of 4 ranks"), Error);
}
