// `leuko data fetch` end to end, without the internet: each test makes a small source
// repository with git (tests/experiments/fake_github_repository.h), serves it from a
// loopback HTTP server the way GitHub would, points the fetch at it with --mirror and
// --pins, and checks what lands in DIR/<name>: the layout and split rule of each recipe,
// and what happens to a corrupted file, a tampered listing, a dropped connection, a rerun,
// and a DIR that holds something else.
#include <algorithm>
#include <cmath>
#include <set>
#include <tuple>

#include "engine/data/image.h"
#include "engine/data/transforms.h"
#include "engine/io/hex.h"
#include "engine/io/sha256.h"
#include "engine/random.h"
#include "tests/data/temp_folder.h"
#include "tests/experiments/fake_github_repository.h"
#include "tests/experiments/run_leuko.h"
#include "tests/support/loopback_http_server.h"
#include "tests/support/testing.h"

namespace leuko {
namespace {

namespace fs = std::filesystem;

// One source repository, its server, and the data root the fetch writes to.
struct FetchSetup {
  testing::TempFolder folder;
  testing::LoopbackHttpServer server;
  testing::FakeGithubRepository repository{folder / "source", "leuko-tests/fake-source"};
  fs::path data = folder / "data";

  // Publishes the repository and pins `folders` of it for `dataset`.
  void publish(const std::string& dataset, const std::vector<std::string>& folders) {
    repository.publish(server);
    repository.write_pins(folder / "pins.json", dataset, folders);
  }
  testing::LeukoResult fetch(const std::string& dataset) {
    return testing::run_leuko("data fetch " + dataset + " '" + data.string() + "' --mirror " +
                                  server.url() + " --pins '" + (folder / "pins.json").string() +
                                  "'",
                              folder.path());
  }
  size_t requests_for(const std::string& path_start) const {
    const std::vector<std::string> all = server.requests();
    return static_cast<size_t>(std::count_if(
        all.begin(), all.end(), [&](const std::string& r) { return r.rfind(path_start, 0) == 0; }));
  }
};

// The bytes of an image encoded as `extension` (".png", ".jpg", ".bmp").
std::string encoded(const data::Image& image, const std::string& extension) {
  testing::TempFolder scratch;
  const fs::path file = scratch / ("image" + extension);
  data::write_image(image, file);
  const std::vector<uint8_t> bytes = testing::read_bytes(file);
  return std::string(bytes.begin(), bytes.end());
}

// Random pixels: PNG cannot compress them, so a file is large enough to cut midway.
data::Image noise_image(int height, int width, uint64_t seed) {
  data::Image image(height, width, 3);
  Generator generator(seed);
  for (uint8_t& value : image.pixels) value = static_cast<uint8_t>(generator.next_u64());
  return image;
}

std::set<std::string> file_names(const fs::path& folder) {
  std::set<std::string> names;
  if (!fs::exists(folder)) return names;
  for (const auto& entry : fs::directory_iterator(folder)) names.insert(entry.path().filename());
  return names;
}

std::string read_file(const fs::path& path) {
  const std::vector<uint8_t> bytes = testing::read_bytes(path);
  return std::string(bytes.begin(), bytes.end());
}

bool one_line(const std::string& text) {
  return std::count(text.begin(), text.end(), '\n') == 1 && text.back() == '\n';
}

// ---- pbc ---------------------------------------------------------------------------------

// The split rule as SOURCE.md states it, written out again independently of the recipe.
struct ExpectedSplit {
  std::set<std::string> train, test, held_out;
};

ExpectedSplit expected_pbc_split(const std::vector<std::string>& names) {
  const auto by = [](std::vector<std::string> sorted, const std::string& salt) {
    std::sort(sorted.begin(), sorted.end(), [&](const std::string& a, const std::string& b) {
      Sha256 ha, hb;
      ha.update(salt + a);
      hb.update(salt + b);
      return to_hex(ha.finish()) < to_hex(hb.finish());
    });
    return sorted;
  };
  const std::vector<std::string> split = by(names, "pbc-split:");
  const size_t n_test = static_cast<size_t>(std::lround(0.2 * static_cast<double>(names.size())));
  const std::vector<std::string> test = by({split.begin(), split.begin() + n_test}, "pbc-holdout:");
  const size_t n_held = std::min(n_test, std::max<size_t>(5, std::lround(0.1 * n_test)));
  ExpectedSplit expected;
  expected.train.insert(split.begin() + n_test, split.end());
  expected.held_out.insert(test.begin(), test.begin() + n_held);
  expected.test.insert(test.begin() + n_held, test.end());
  return expected;
}

std::set<std::string> jpg_names(const std::set<std::string>& names) {
  std::set<std::string> out;
  for (const std::string& name : names) out.insert(fs::path(name).stem().string() + ".jpg");
  return out;
}

TEST_CASE("pbc: the five classes, the hashed 80/20 split and the holdout, 224x224 JPEG") {
  FetchSetup setup;
  const std::vector<std::pair<std::string, std::string>> classes = {
      {"other_types/basophil", "basophil"},
      {"wbc/eosinophil", "eosinophil"},
      {"wbc/lymphocyte", "lymphocyte"},
      {"wbc/monocyte", "monocyte"},
      {"wbc/neutrophil", "neutrophil"}};
  std::map<std::string, std::vector<std::string>> names;
  for (size_t c = 0; c < classes.size(); ++c) {
    const int count = c == 0 ? 60 : 8;  // 60: 12 test images, 5 of them held out
    for (int i = 0; i < count; ++i) {
      const std::string name = cat("C", c, "_", 1000 + i, ".jpg");
      names[classes[c].first].push_back(name);
      // Not square, so the centre crop matters.
      setup.repository.add(classes[c].first + "/" + name,
                           encoded(testing::pattern_image(20, 26, 3, i), ".jpg"));
    }
  }
  setup.repository.add("wbc/neutrophil/.DS_1.jpg", "macOS junk");
  std::vector<std::string> folders;
  for (const auto& [folder, class_name] : classes) folders.push_back(folder);
  setup.publish("pbc", folders);

  const testing::LeukoResult run = setup.fetch("pbc");
  REQUIRE(run.code == 0);
  for (const auto& [folder, class_name] : classes) {
    const ExpectedSplit expected = expected_pbc_split(names[folder]);
    CAPTURE(class_name);
    CHECK(file_names(setup.data / "pbc" / "train" / class_name) == jpg_names(expected.train));
    CHECK(file_names(setup.data / "pbc" / "test" / class_name) == jpg_names(expected.test));
    for (const std::string& held : expected.held_out) {
      CHECK(setup.requests_for(setup.repository.raw_path(folder + "/" + held)) == 0);
    }
  }
  CHECK(file_names(setup.data / "pbc" / "test" / "basophil").size() == 7);
  const fs::path one = setup.data / "pbc" / "train" / "basophil" /
                       *jpg_names(expected_pbc_split(names["other_types/basophil"]).train).begin();
  const data::ImageSize size = data::read_image_size(one);
  CHECK((size.height == 224 && size.width == 224));
  CHECK(setup.requests_for(setup.repository.raw_path("wbc/neutrophil/.DS_1.jpg")) == 0);
  // Only the layout and the fetch's own marker remain.
  CHECK(file_names(setup.data / "pbc") == std::set<std::string>{".leuko-fetch", "test", "train"});
  CHECK(file_names(setup.data / "pbc" / ".leuko-fetch") ==
        std::set<std::string>{"complete", "source"});
}

// ---- idc: byte copies, and what goes wrong on the way -------------------------------------

const std::vector<std::string> kIdcFolders = {"data/14082/0", "data/14082/1", "data/14306/0",
                                              "data/14306/1"};

// Two images per folder; the first of data/14082/0 is noise of ~30 KB (for cut-off tests).
void add_idc_images(FetchSetup& setup) {
  for (size_t f = 0; f < kIdcFolders.size(); ++f) {
    for (int i = 0; i < 2; ++i) {
      const data::Image image = f == 0 && i == 0 ? noise_image(100, 100, 9)
                                                 : testing::pattern_image(50, 50, 3, 10 * f + i);
      setup.repository.add(cat(kIdcFolders[f], "/p_x", i, "_class", f % 2, ".png"),
                           encoded(image, ".png"));
    }
  }
}

const std::string kBigIdcFile = "data/14082/0/p_x0_class0.png";

TEST_CASE("idc: byte-identical copies by patient and class, and a rerun does nothing") {
  FetchSetup setup;
  add_idc_images(setup);
  setup.publish("idc", kIdcFolders);

  const testing::LeukoResult run = setup.fetch("idc");
  REQUIRE(run.code == 0);
  const std::pair<std::string, std::string> placements[] = {{"data/14082/0", "train/normal"},
                                                            {"data/14082/1", "train/tumor"},
                                                            {"data/14306/0", "test/normal"},
                                                            {"data/14306/1", "test/tumor"}};
  for (const auto& [source, target] : placements) {
    for (const std::string& name : file_names(setup.folder / "source" / source)) {
      CHECK(read_file(setup.data / "idc" / target / name) ==
            read_file(setup.folder / "source" / source / name));
    }
    CHECK(file_names(setup.data / "idc" / target).size() == 2);
  }
  CHECK(run.out.find("verified") != std::string::npos);

  const size_t requests = setup.server.requests().size();
  const testing::LeukoResult again = setup.fetch("idc");
  CHECK(again.code == 0);
  CHECK(again.out.find("nothing to do") != std::string::npos);
  CHECK(setup.server.requests().size() == requests);
}

TEST_CASE("idc: a corrupted file is refused and deleted, the rerun fetches only it") {
  FetchSetup setup;
  add_idc_images(setup);
  setup.publish("idc", kIdcFolders);
  // The last file fetched, so that the other seven are verified and kept when it fails.
  const std::string last = "data/14306/1/p_x1_class1.png";
  const std::string path = setup.repository.raw_path(last);
  std::string corrupted = read_file(setup.folder / "source" / last);
  corrupted[corrupted.size() / 2] ^= 1;
  setup.server.serve(path, corrupted);

  const testing::LeukoResult bad = setup.fetch("idc");
  CHECK(bad.code == 1);
  CHECK(one_line(bad.err));
  CHECK(bad.err.find(setup.server.url() + path) != std::string::npos);
  CHECK(bad.err.find("expected") != std::string::npos);
  CHECK(bad.err.find("git blob id") != std::string::npos);
  CHECK(!fs::exists(setup.data / "idc" / "train"));  // nothing half-made in sight

  setup.server.serve(path, read_file(setup.folder / "source" / last));
  const size_t before = setup.server.requests().size();
  const testing::LeukoResult good = setup.fetch("idc");
  REQUIRE(good.code == 0);
  // The listings (4) and the one file again; the 7 verified files are kept.
  CHECK(setup.server.requests().size() - before == 5);
  CHECK(read_file(setup.data / "idc" / "test" / "tumor" / "p_x1_class1.png") ==
        read_file(setup.folder / "source" / last));
}

TEST_CASE("idc: a dropped connection resumes with a Range request, within the run or the next") {
  FetchSetup setup;
  add_idc_images(setup);
  setup.publish("idc", kIdcFolders);
  const std::string path = setup.repository.raw_path(kBigIdcFile);
  const std::string bytes = read_file(setup.folder / "source" / kBigIdcFile);
  REQUIRE(bytes.size() > 20000);

  SUBCASE("dropped once: the run resumes by itself") {
    setup.server.drop_after(path, 5000, 1);
    REQUIRE(setup.fetch("idc").code == 0);
    CHECK(setup.requests_for(path + " from 5000") == 1);
  }
  SUBCASE("dropped every time: the run stops, the same command again continues") {
    setup.server.drop_after(path, 5000, 3);  // each of the run's three attempts
    const testing::LeukoResult stopped = setup.fetch("idc");
    CHECK(stopped.code == 1);
    CHECK(one_line(stopped.err));
    CHECK(stopped.err.find(path) != std::string::npos);
    CHECK(stopped.err.find("run the same command again") != std::string::npos);
    const testing::LeukoResult resumed = setup.fetch("idc");
    REQUIRE(resumed.code == 0);
    CHECK(setup.requests_for(path + " from 15000") == 1);
  }
  CHECK(read_file(setup.data / "idc" / "train" / "normal" / "p_x0_class0.png") == bytes);
}

TEST_CASE("idc: a listing that does not hash to the pinned tree id is refused") {
  FetchSetup setup;
  add_idc_images(setup);
  setup.publish("idc", kIdcFolders);
  // The listing claims another blob for a file: the pinned tree id gives it away.
  nlohmann::json listing = nlohmann::json::parse(setup.repository.listing("data/14306/1"));
  listing["tree"][0]["sha"] = listing["tree"][1]["sha"];
  setup.server.serve(setup.repository.listing_path("data/14306/1"), listing.dump());
  const testing::LeukoResult run = setup.fetch("idc");
  CHECK(run.code == 1);
  CHECK(one_line(run.err));
  CHECK(run.err.find(setup.repository.listing_path("data/14306/1")) != std::string::npos);
  CHECK(run.err.find("expected the pinned") != std::string::npos);
  CHECK(setup.requests_for(setup.repository.raw_path("data/14306")) == 0);
}

// ---- segwbc and monuseg: other encodings in, the same pixels out ---------------------------

TEST_CASE("segwbc: BMP images and PNG masks sorted into classes by the label CSVs, pixels kept") {
  FetchSetup setup;
  // Dataset 1: images 1..3 (classes 2, 5, 1), Dataset 2: image 1 (class 4); odd sizes, as there.
  const std::vector<std::tuple<std::string, int, int, std::string>> images = {
      {"Dataset 1", 1, 2, "lymphocyte"},
      {"Dataset 1", 2, 5, "basophil"},
      {"Dataset 1", 3, 1, "neutrophil"},
      {"Dataset 2", 1, 4, "eosinophil"}};
  std::map<std::string, std::string> labels = {{"Dataset 1", "image ID,class label\r\n"},
                                               {"Dataset 2", "image ID,class\r\n"}};
  for (const auto& [dataset, id, label, class_name] : images) {
    const std::string stem = cat("00", id);
    setup.repository.add(dataset + "/" + stem + ".bmp",
                         encoded(testing::pattern_image(18, 21, 3, id), ".bmp"));
    data::Image mask(18, 21, 1);
    for (size_t i = 0; i < mask.pixels.size(); ++i) mask.pixels[i] = (i % 3) * 127 + (i % 3 == 2);
    setup.repository.add(dataset + "/" + stem + ".png", encoded(mask, ".png"));
    labels[dataset] += cat(id, ",", label, "\r\n");
  }
  setup.repository.add("Class Labels of Dataset 1.csv", labels["Dataset 1"]);
  setup.repository.add("Class Labels of Dataset 2.csv", labels["Dataset 2"]);
  setup.repository.add("README.rst", "not needed");
  setup.publish("segwbc", {"", "Dataset 1", "Dataset 2"});

  const testing::LeukoResult run = setup.fetch("segwbc");
  REQUIRE(run.code == 0);
  for (const auto& [dataset, id, label, class_name] : images) {
    const std::string split = dataset == "Dataset 1" ? "dataset1" : "dataset2";
    const std::string stem = cat("00", id);
    CAPTURE(stem);
    const fs::path image = setup.data / "segwbc" / split / class_name / (stem + ".png");
    const fs::path mask = setup.data / "segwbc" / "masks" / split / class_name / (stem + ".png");
    CHECK(data::read_image(image).pixels ==
          data::read_image(setup.folder / "source" / dataset / (stem + ".bmp")).pixels);
    CHECK(data::read_mask(mask).pixels ==
          data::read_mask(setup.folder / "source" / dataset / (stem + ".png")).pixels);
  }
  CHECK(setup.requests_for(setup.repository.raw_path("README.rst")) == 0);
}

// A smooth 1000x1000 picture (JPEG keeps it close), different per seed.
data::Image smooth_image(int seed) {
  data::Image image(1000, 1000, 3);
  for (int y = 0; y < 1000; ++y)
    for (int x = 0; x < 1000; ++x)
      for (int c = 0; c < 3; ++c)
        image.at(y, x, c) = static_cast<uint8_t>((y + x) / 8 + 20 * c + seed);
  return image;
}

// A baseline TIFF (uncompressed RGB, one strip, little-endian), as MoNuSeg's would decode.
std::string tiff_bytes(const data::Image& image) {
  std::string out = std::string("II*\0", 4);
  const auto put = [&out](uint32_t value, int bytes) {
    for (int i = 0; i < bytes; ++i) out += static_cast<char>(value >> (8 * i));
  };
  const uint32_t pixels_at = 8, bits_at = pixels_at + static_cast<uint32_t>(image.bytes());
  const uint32_t directory_at = bits_at + 6;
  put(directory_at, 4);
  out.append(reinterpret_cast<const char*>(image.pixels.data()), image.bytes());
  for (int i = 0; i < 3; ++i) put(8, 2);  // bits per sample, one per channel
  const uint32_t h = image.height, w = image.width;
  // (tag, type: 3 short / 4 long, count, value or offset), in ascending tag order
  const uint32_t entries[][4] = {{256, 4, 1, w}, {257, 4, 1, h}, {258, 3, 3, bits_at},
                                 {259, 3, 1, 1}, {262, 3, 1, 2}, {273, 4, 1, pixels_at},
                                 {277, 3, 1, 3}, {278, 4, 1, h}, {279, 4, 1, w * h * 3}};
  put(std::size(entries), 2);
  for (const auto& e : entries) {
    put(e[0], 2);
    put(e[1], 2);
    put(e[2], 4);
    put(e[3], e[1] == 3 && e[2] == 1 ? 2 : 4);
    if (e[1] == 3 && e[2] == 1) put(0, 2);
  }
  put(0, 4);  // no next directory
  return out;
}

TEST_CASE("monuseg: TIFF images cut into four 500x500 JPEG tiles, masks cut alike, by organ") {
  FetchSetup setup;
  // Two ids of the shared copy's table (a kidney and the 'unknown' one) and one left out.
  const std::vector<std::pair<std::string, std::string>> images = {
      {"data/MoNuSegTrainData", "TCGA-HE-7128-01Z-00-DX1"},
      {"data/MoNuSegTestData", "TCGA-IZ-8196-01A-01-BS1"},
      {"data/MoNuSegTrainData", "TCGA-BC-A217-01Z-00-DX1"}};
  std::map<std::string, data::Image> masks;
  for (size_t i = 0; i < images.size(); ++i) {
    const auto& [part, id] = images[i];
    setup.repository.add(part + "/tissue_image/" + id + ".tif",
                         tiff_bytes(smooth_image(static_cast<int>(i))));
    masks[id] = testing::pattern_image(1000, 1000, 1, static_cast<int>(i));
    setup.repository.add(part + "/masks/" + id + ".png", encoded(masks[id], ".png"));
  }
  setup.publish("monuseg", {"data/MoNuSegTrainData/tissue_image", "data/MoNuSegTrainData/masks",
                            "data/MoNuSegTestData/tissue_image", "data/MoNuSegTestData/masks"});

  const testing::LeukoResult run = setup.fetch("monuseg");
  REQUIRE(run.code == 0);
  std::set<std::string> expected_images, expected_masks;
  for (const std::string stem :
       {"kidney__TCGA-HE-7128-01Z-00-DX1", "unknown__TCGA-IZ-8196-01A-01-BS1"}) {
    for (const std::string tile : {"r0c0", "r0c1", "r1c0", "r1c1"}) {
      expected_images.insert(stem + "__" + tile + ".jpg");
      expected_masks.insert(stem + "__" + tile + ".png");
    }
  }
  CHECK(file_names(setup.data / "monuseg" / "images") == expected_images);
  CHECK(file_names(setup.data / "monuseg" / "masks") == expected_masks);
  // r1c0: rows 500..999, columns 0..499.
  const data::CropWindow r1c0{500, 0, 500, 500};
  CHECK(data::read_mask(setup.data / "monuseg" / "masks" /
                        "kidney__TCGA-HE-7128-01Z-00-DX1__r1c0.png")
            .pixels == data::crop(masks["TCGA-HE-7128-01Z-00-DX1"], r1c0).pixels);
  const data::Image tile = data::read_image(setup.data / "monuseg" / "images" /
                                            "kidney__TCGA-HE-7128-01Z-00-DX1__r1c0.jpg");
  const data::Image source = data::crop(smooth_image(0), r1c0);
  REQUIRE(tile.bytes() == source.bytes());
  double difference = 0;
  for (size_t i = 0; i < tile.bytes(); ++i)
    difference += std::abs(tile.pixels[i] - source.pixels[i]);
  CHECK(difference / static_cast<double>(tile.bytes()) < 1.5);  // JPEG q90
  // The image not in the shared copy is not downloaded, its mask neither.
  for (const std::string folder : {"/tissue_image/", "/masks/"}) {
    CHECK(setup.requests_for(
              setup.repository.raw_path(images[2].first + folder + images[2].second)) == 0);
  }
}

TEST_CASE("a DIR that holds something else is refused, naming it") {
  FetchSetup setup;
  add_idc_images(setup);
  setup.publish("idc", kIdcFolders);
  SUBCASE("a foreign folder") {
    fs::create_directories(setup.data / "idc");
    std::ofstream(setup.data / "idc" / "notes.txt") << "mine";
    const testing::LeukoResult run = setup.fetch("idc");
    CHECK(run.code == 1);
    CHECK(one_line(run.err));
    CHECK(run.err.find((setup.data / "idc").string()) != std::string::npos);
    CHECK(run.err.find("did not put there") != std::string::npos);
  }
  SUBCASE("a file") {
    std::ofstream(setup.data) << "not a folder";
    const testing::LeukoResult run = setup.fetch("idc");
    CHECK(run.code == 1);
    CHECK(run.err.find("is a file") != std::string::npos);
  }
  CHECK(setup.server.requests().empty());
}

}  // namespace
}  // namespace leuko
