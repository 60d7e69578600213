#include "engine/data/synthetic.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <thread>

#include <functional>

#include "engine/error.h"
#include "tests/data/temp_folder.h"
#include "tests/support/testing.h"

using namespace leuko;
using namespace leuko::data;
namespace fs = std::filesystem;
using namespace leuko::testing;

namespace {

// Connected regions (4-neighbour) of nucleus pixels (mask value 255) of at least 4 pixels.
int nucleus_regions(const Image& mask) {
  std::vector<char> seen(mask.pixels.size(), 0);
  int regions = 0;
  for (int start = 0; start < static_cast<int>(mask.pixels.size()); ++start) {
    if (seen[start] || mask.pixels[start] != 255) continue;
    int size = 0;
    std::vector<int> stack = {start};
    seen[start] = 1;
    while (!stack.empty()) {
      const int p = stack.back();
      stack.pop_back();
      ++size;
      const int y = p / mask.width, x = p % mask.width;
      const int next[4][2] = {{y - 1, x}, {y + 1, x}, {y, x - 1}, {y, x + 1}};
      for (const auto& [ny, nx] : next) {
        if (ny < 0 || nx < 0 || ny >= mask.height || nx >= mask.width) continue;
        const int q = ny * mask.width + nx;
        if (!seen[q] && mask.pixels[q] == 255) {
          seen[q] = 1;
          stack.push_back(q);
        }
      }
    }
    regions += size >= 4;
  }
  return regions;
}

double share(const Image& mask, uint8_t value) {
  return static_cast<double>(std::count(mask.pixels.begin(), mask.pixels.end(), value)) /
         mask.pixels.size();
}

}  // namespace

TEST_CASE("synthetic cells are seeded and come with segwbc-coded masks") {
  Generator a(1), b(1);
  const SyntheticCell x = synthetic_cell(3, 48, a), y = synthetic_cell(3, 48, b);
  CHECK(x.image.pixels == y.image.pixels);
  CHECK(x.mask.pixels == y.mask.pixels);
  CHECK(x.image.channels == 3);
  CHECK(x.mask.channels == 1);
  for (uint8_t v : x.mask.pixels) CHECK((v == 0 || v == 128 || v == 255));
  CHECK(share(x.mask, 255) > 0.05);                                // a nucleus
  CHECK(share(x.mask, 128) > 0.05);                                // cytoplasm around it
  CHECK(share(x.mask, 0) > 0.3);                                   // background
  CHECK(synthetic_cell(3, 48, a).image.pixels != x.image.pixels);  // the next draw differs
  CHECK_THROWS_WITH_AS(synthetic_cell(5, 48, a), doctest::Contains("label must be in 0..4, got 5"),
                       Error);
  CHECK_THROWS_WITH_AS(synthetic_cell(0, 8, a), doctest::Contains("size must be in 16..1024"),
                       Error);
}

TEST_CASE("the classes differ in nucleus shape: lobe counts and nucleus share") {
  Generator g(2);
  double lymphocyte_share = 0, neutrophil_share = 0;
  for (int i = 0; i < 20; ++i) {
    CHECK(nucleus_regions(synthetic_cell(2, 64, g).mask) == 1);  // lymphocyte: one round nucleus
    CHECK(nucleus_regions(synthetic_cell(1, 64, g).mask) == 2);  // eosinophil: two lobes
    const SyntheticCell lymph = synthetic_cell(2, 64, g), neut = synthetic_cell(4, 64, g);
    lymphocyte_share += share(lymph.mask, 255) / (share(lymph.mask, 255) + share(lymph.mask, 128));
    neutrophil_share += share(neut.mask, 255) / (share(neut.mask, 255) + share(neut.mask, 128));
  }
  CHECK(lymphocyte_share / 20 > 0.45);  // the nucleus fills most of a lymphocyte
  CHECK(neutrophil_share / 20 < 0.35);  // small lobes in a big neutrophil
}

TEST_CASE("synthetic_batch and write_synthetic_folder") {
  Generator g(4);
  const Batch batch = synthetic_batch(6, 32, g);
  CHECK(batch.images.shape() == Shape{6, 3, 32, 32});
  CHECK(batch.labels.shape() == Shape{6});
  for (int64_t label : batch.labels.to_vector_i64()) CHECK((label >= 0 && label < 5));
  const std::vector<float> values = batch.images.to_vector();
  CHECK(*std::min_element(values.begin(), values.end()) >= 0.0f);
  CHECK(*std::max_element(values.begin(), values.end()) <= 1.0f);

  TempFolder root;
  write_synthetic_folder(
      root.path(),
      {.size = 20, .train_per_class = 6, .test_per_class = 2, .mask_fraction = 0.5, .seed = 1});
  const Dataset train = scan_image_folder(root / "train", root / "masks/train");
  CHECK(train.classes == synthetic_class_names());
  CHECK(train.class_counts() == std::vector<int64_t>{6, 6, 6, 6, 6});
  const int64_t masks = std::count_if(train.samples.begin(), train.samples.end(),
                                      [](const Sample& s) { return !s.mask.empty(); });
  CHECK(masks > 5);
  CHECK(masks < 25);
  CHECK(scan_image_folder(root / "test").size() == 10);
  CHECK(read_image(train.samples[0].image).height == 20);
}

TEST_CASE("write_synthetic_folder killed at random moments leaves the whole set or none of it") {
  TempFolder scratch;
  const fs::path root = scratch / "synthetic";
  const SyntheticFolderOptions options{
      .size = 48, .train_per_class = 12, .test_per_class = 4, .seed = 2};
  const auto complete = [&] {
    return scan_image_folder(root / "train").class_counts() == std::vector<int64_t>(5, 12) &&
           scan_image_folder(root / "test").class_counts() == std::vector<int64_t>(5, 4);
  };
  // Generates in a child process, killed with SIGKILL after `delay` (unless done by then).
  const auto generate_and_kill = [&](std::chrono::microseconds delay) {
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      try {
        write_synthetic_folder(root, options);
      } catch (...) {
        _exit(1);
      }
      _exit(0);
    }
    std::this_thread::sleep_for(delay);
    kill(child, SIGKILL);
    int status = 0;
    waitpid(child, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;  // finished before the kill
  };
  const auto start = std::chrono::steady_clock::now();
  write_synthetic_folder(root, options);
  const auto duration = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - start);
  REQUIRE(complete());
  fs::remove_all(root);

  std::mt19937 random(7);  // seeded: the same kill moments on every run
  std::uniform_int_distribution<int64_t> moment(0, duration.count());
  int killed = 0;
  for (int attempt = 0; attempt < 12; ++attempt) {
    const bool finished = generate_and_kill(std::chrono::microseconds(moment(random)));
    killed += !finished;
    INFO("attempt ", attempt, (finished ? " finished" : " killed"));
    CHECK((fs::exists(root) ? complete() : !finished));  // never a part of the set
    fs::remove_all(root);
  }
  CHECK(killed >= 6);  // most kills land while generating
  // A rerun after a kill replaces what the killed one left (its .partial folder).
  generate_and_kill(duration / 2);
  write_synthetic_folder(root, options);
  CHECK(complete());
  CHECK_FALSE(fs::exists(scratch / "synthetic.partial"));
}
