#include "engine/data/image_folder.h"

#include "engine/error.h"
#include "tests/data/temp_folder.h"
#include "tests/support/testing.h"

using namespace leuko;
using namespace leuko::data;
using namespace leuko::testing;

namespace {

// root/train/{cat: 3 images, ant: 2 images}, masks for cat/c1 and ant/a0.
void make_tree(const TempFolder& root) {
  write_pattern(root / "train/cat/c0.png", 6, 8);
  write_pattern(root / "train/cat/c1.jpg", 6, 8);
  write_pattern(root / "train/cat/c2.bmp", 6, 8);
  write_pattern(root / "train/ant/a0.png", 5, 5);
  write_pattern(root / "train/ant/a1.png", 5, 5);
  write_bytes(root / "train/cat/.DS_Store", {1, 2, 3});  // system junk is ignored
  Image mask(6, 8, 1);
  for (int x = 0; x < 4; ++x) mask.at(2, x, 0) = 255;
  std::filesystem::create_directories(root / "masks/train/cat");
  write_image(mask, root / "masks/train/cat/c1.png");
  std::filesystem::create_directories(root / "masks/train/ant");
  write_image(Image(5, 5, 1), root / "masks/train/ant/a0.png");
}

}  // namespace

TEST_CASE("scan_image_folder: classes are the sorted folder names, files sorted within") {
  TempFolder root;
  make_tree(root);
  const Dataset ds = scan_image_folder(root / "train");
  CHECK(ds.classes == std::vector<std::string>{"ant", "cat"});
  REQUIRE(ds.size() == 5);
  CHECK(ds.labels() == std::vector<int64_t>{0, 0, 1, 1, 1});
  CHECK(ds.class_counts() == std::vector<int64_t>{2, 3});
  CHECK(ds.samples[2].image.filename() == "c0.png");
  CHECK(ds.samples[4].image.filename() == "c2.bmp");
  for (const Sample& s : ds.samples) CHECK(s.mask.empty());
}

TEST_CASE("masks are matched by class and stem, masked copies are image x binarised mask") {
  TempFolder root;
  make_tree(root);
  const Dataset ds = scan_image_folder(root / "train", root / "masks/train");
  CHECK(ds.samples[0].mask.filename() == "a0.png");
  CHECK(ds.samples[1].mask.empty());
  CHECK(ds.samples[3].mask.filename() == "c1.png");
  const Dataset with_copies = with_masked_copies(ds);
  REQUIRE(with_copies.size() == 7);
  CHECK(with_copies.samples[5].masked);
  CHECK(with_copies.samples[5].image == ds.samples[0].image);
  CHECK(with_copies.samples[6].image == ds.samples[3].image);
  CHECK(with_copies.samples[6].label == 1);

  const Image original = load_sample(ds.samples[0]);
  CHECK(original.pixels == pattern_image(5, 5).pixels);
  const Image black = load_sample(with_copies.samples[5]);  // an all-zero mask
  CHECK(std::all_of(black.pixels.begin(), black.pixels.end(), [](uint8_t v) { return v == 0; }));
  const Image masked = load_sample(with_copies.samples[6]);  // the c1.jpg row 2, x < 4 kept
  const Image c1 = read_image(ds.samples[3].image);
  for (int y = 0; y < 6; ++y)
    for (int x = 0; x < 8; ++x) CHECK(masked.at(y, x, 1) == (y == 2 && x < 4 ? c1.at(y, x, 1) : 0));
}

TEST_CASE("unlabelled folders list images with label -1 and optional masks") {
  TempFolder root;
  write_pattern(root / "images/t1.jpg", 8, 8);
  write_pattern(root / "images/t0.jpg", 8, 8);
  write_pattern(root / "masks/t1.png", 8, 8, 1);
  const Dataset ds = scan_unlabelled_folder(root / "images", root / "masks");
  REQUIRE(ds.size() == 2);
  CHECK(ds.samples[0].image.filename() == "t0.jpg");
  CHECK(ds.samples[0].label == -1);
  CHECK(ds.samples[0].mask.empty());
  CHECK(ds.samples[1].mask.filename() == "t1.png");
}

TEST_CASE("four_copy_augmentation and concatenate") {
  TempFolder root;
  make_tree(root);
  const Dataset ds = scan_image_folder(root / "train");
  const Dataset four = four_copy_augmentation(ds);
  REQUIRE(four.size() == 20);
  CHECK(four.samples[0].augment == Augment::none);
  CHECK(four.samples[5].augment == Augment::flips);
  CHECK(four.samples[10].augment == Augment::rotation);
  CHECK(four.samples[19].augment == Augment::rotation_flips);
  CHECK(four.samples[19].image == ds.samples[4].image);
  CHECK(concatenate({ds, ds}).size() == 10);
  Dataset other = ds;
  other.classes = {"x", "y"};
  CHECK_THROWS_WITH_AS(concatenate({ds, other}), doctest::Contains("same classes"), Error);
}

TEST_CASE("augment_image applies the recipe's random transforms reproducibly") {
  const Image image = pattern_image(12, 12);
  Generator a(3), b(3);
  CHECK(augment_image(image, Augment::none, 15.0, a).pixels == image.pixels);
  for (Augment aug : {Augment::flips, Augment::rotation, Augment::rotation_flips}) {
    CHECK(augment_image(image, aug, 15.0, a).pixels == augment_image(image, aug, 15.0, b).pixels);
  }
}

TEST_CASE("bad folders each get one clear error naming the path") {
  TempFolder root;
  SUBCASE("missing folder") {
    CHECK_THROWS_WITH_AS(scan_image_folder(root / "nope"),
                         doctest::Contains("nope: the folder does not exist"), Error);
  }
  SUBCASE("empty folder") {
    std::filesystem::create_directories(root / "empty");
    CHECK_THROWS_WITH_AS(scan_image_folder(root / "empty"),
                         doctest::Contains("empty: no class folders"), Error);
    CHECK_THROWS_WITH_AS(scan_unlabelled_folder(root / "empty"),
                         doctest::Contains("empty: no images"), Error);
  }
  SUBCASE("a class folder with no images") {
    write_pattern(root / "d/a/x.png", 4, 4);
    std::filesystem::create_directories(root / "d/b");
    const std::string expected = "class folder " + (root / "d/b").string() + ": no images";
    CHECK_THROWS_WITH_AS(scan_image_folder(root / "d"), doctest::Contains(expected.c_str()), Error);
  }
  SUBCASE("a file that is not an image") {
    write_pattern(root / "d/a/x.png", 4, 4);
    write_bytes(root / "d/a/notes.txt", {'h', 'i'});
    CHECK_THROWS_WITH_AS(scan_image_folder(root / "d"),
                         doctest::Contains("notes.txt is not an image file"), Error);
  }
  SUBCASE("a stray file beside the class folders") {
    write_pattern(root / "d/a/x.png", 4, 4);
    write_bytes(root / "d/labels.csv", {'h'});
    CHECK_THROWS_WITH_AS(scan_image_folder(root / "d"),
                         doctest::Contains("unexpected file labels.csv"), Error);
  }
  SUBCASE("a mask without an image") {
    write_pattern(root / "d/a/x.png", 4, 4);
    write_pattern(root / "m/a/y.png", 4, 4, 1);
    CHECK_THROWS_WITH_AS(scan_image_folder(root / "d", root / "m"),
                         doctest::Contains("y.png: no image with the stem 'y'"), Error);
  }
  SUBCASE("a mask class the images do not have") {
    write_pattern(root / "d/a/x.png", 4, 4);
    write_pattern(root / "m/b/x.png", 4, 4, 1);
    CHECK_THROWS_WITH_AS(scan_image_folder(root / "d", root / "m"),
                         doctest::Contains("no class 'b' in the image folder"), Error);
  }
  SUBCASE("a mask whose size differs from its image") {
    write_pattern(root / "d/a/x.png", 4, 4);
    write_pattern(root / "m/a/x.png", 4, 5, 1);
    Dataset ds = with_masked_copies(scan_image_folder(root / "d", root / "m"));
    CHECK_THROWS_WITH_AS(
        load_sample(ds.samples[1]),
        doctest::Contains(
            "x.png: the mask is 5x4 pixels but the image is 4x4 pixels (expected the same size)"),
        Error);
  }
}
