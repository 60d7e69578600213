// `leuko data fetch` end to end, without the internet: each test makes a small source
// repository with git (tests/experiments/fake_github_repository.h), serves it from a
// loopback HTTP server the way GitHub would, points the fetch at it with --mirror and
// --pins, and checks what lands in DIR/<name>: the layout and split rule of each recipe,
// and what happens to a corrupted file, a tampered listing, a dropped connection, a rerun,
// and a DIR that holds something else.
#include <algorithm>
#include <set>

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
                                  server.url() + " --pins '" + (folder / "pins.json").string() + "'",
                              folder.path());
  }
  size_t requests_for(const std::string& path_start) const {
    const std::vector<std::string> all = server.requests();
    return static_cast<size_t>(std::count_if(all.begin(), all.end(), [&](const std::string& r) {
      return r.rfind(path_start, 0) == 0;
    }));
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
      {"other_types/basophil", "basophil"}, {"wbc/eosinophil", "eosinophil"},
      {"wbc/lymphocyte", "lymphocyte"},     {"wbc/monocyte", "monocyte"},
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
  CHECK(file_names(setup.data / "pbc" / ".leuko-fetch") == std::set<std::string>{"complete", "source"});
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
      setup.repository.add(cat(kIdcFolders[f], "/p_x", i, "_class", f % 2, ".png"), encoded(image, ".png"));
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
  const std::pair<std::string, std::string> placements[] = {
      {"data/14082/0", "train/normal"}, {"data/14082/1", "train/tumor"},
      {"data/14306/0", "test/normal"}, {"data/14306/1", "test/tumor"}};
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
