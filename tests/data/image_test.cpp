#include "engine/data/image.h"

#include "engine/error.h"
#include "tests/data/temp_folder.h"
#include "tests/support/testing.h"

using namespace leuko;
using namespace leuko::data;
using leuko::testing::pattern_image;
using leuko::testing::read_bytes;
using leuko::testing::TempFolder;
using leuko::testing::write_bytes;

namespace {

// A 2x2 RGBA PNG written by PIL: red, half-transparent green, fully transparent blue,
// and (10, 20, 30) opaque. Alpha must be dropped, never multiplied in.
const std::vector<uint8_t> kRgbaPng = {
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44,
    0x52, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x08, 0x06, 0x00, 0x00, 0x00, 0x72,
    0xb6, 0x0d, 0x24, 0x00, 0x00, 0x00, 0x1a, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8,
    0xcf, 0xc0, 0xf0, 0x9f, 0xe1, 0x3f, 0x43, 0x03, 0x03, 0x03, 0xc3, 0x7f, 0x06, 0x2e, 0x11,
    0xb9, 0xff, 0x00, 0x37, 0x80, 0x05, 0xb8, 0x70, 0x4c, 0x3d, 0x7f, 0x00, 0x00, 0x00, 0x00,
    0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};

// Overwrites the big-endian width and height in a PNG's IHDR chunk (bytes 16..23).
std::vector<uint8_t> with_png_size(std::vector<uint8_t> png, uint32_t width, uint32_t height) {
  for (int i = 0; i < 4; ++i) {
    png[16 + i] = static_cast<uint8_t>(width >> (24 - 8 * i));
    png[20 + i] = static_cast<uint8_t>(height >> (24 - 8 * i));
  }
  return png;
}

}  // namespace

TEST_CASE("PNG and BMP round-trip exactly; JPEG comes back close") {
  TempFolder dir;
  const Image image = pattern_image(13, 9);
  for (const char* name : {"a.png", "a.bmp"}) {
    write_image(image, dir / name);
    const Image back = read_image(dir / name);
    CHECK(back.height == 13);
    CHECK(back.width == 9);
    CHECK(back.channels == 3);
    CHECK(back.pixels == image.pixels);
  }
  Image smooth(16, 24, 3);  // JPEG is lossy: a smooth image keeps its values to a few levels
  for (int y = 0; y < 16; ++y)
    for (int x = 0; x < 24; ++x)
      for (int c = 0; c < 3; ++c) smooth.at(y, x, c) = static_cast<uint8_t>(40 + 5 * x + 3 * y + 20 * c);
  write_image(smooth, dir / "a.jpg", 100);
  const Image back = read_image(dir / "a.jpg");
  REQUIRE(back.pixels.size() == smooth.pixels.size());
  int worst = 0;
  for (size_t i = 0; i < back.pixels.size(); ++i) worst = std::max(worst, std::abs(back.pixels[i] - smooth.pixels[i]));
  CHECK(worst <= 6);
  CHECK(read_image_size(dir / "a.jpg").height == 16);
  CHECK(read_image_size(dir / "a.jpg").width == 24);
}

TEST_CASE("grey images become RGB, RGBA drops alpha, masks read as grey") {
  TempFolder dir;
  const Image grey = pattern_image(5, 7, 1);
  write_image(grey, dir / "grey.png");
  const Image rgb = read_image(dir / "grey.png");
  REQUIRE(rgb.channels == 3);
  for (int y = 0; y < 5; ++y)
    for (int x = 0; x < 7; ++x)
      for (int c = 0; c < 3; ++c) CHECK(rgb.at(y, x, c) == grey.at(y, x, 0));
  CHECK(read_mask(dir / "grey.png").pixels == grey.pixels);

  write_bytes(dir / "rgba.png", kRgbaPng);
  const Image from_rgba = read_image(dir / "rgba.png");
  CHECK(from_rgba.pixels == std::vector<uint8_t>{255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30});
}

TEST_CASE("to_tensor gives CHW floats in [0, 1]; from_tensor inverts it") {
  Image image(1, 2, 3);
  image.pixels = {0, 51, 255, 102, 204, 153};
  const Tensor t = to_tensor(image);
  CHECK(t.shape() == Shape{3, 1, 2});
  const std::vector<float> expected = {0.0f, 0.4f, 0.2f, 0.8f, 1.0f, 0.6f};
  const std::vector<float> actual = t.to_vector();
  for (size_t i = 0; i < expected.size(); ++i) CHECK(actual[i] == doctest::Approx(expected[i]).epsilon(1e-6));
  CHECK(from_tensor(t).pixels == image.pixels);
  CHECK_THROWS_WITH_AS(from_tensor(zeros({2, 4, 4})), doctest::Contains("expected 1 or 3 channels"), Error);
  CHECK_THROWS_WITH_AS(from_tensor(zeros({4, 4})), doctest::Contains("from_tensor"), Error);
}

TEST_CASE("bad files each get one clear error naming the file") {
  TempFolder dir;
  write_image(pattern_image(32, 32), dir / "good.jpg");
  write_image(pattern_image(32, 32), dir / "good.png");
  write_image(pattern_image(32, 32), dir / "good.bmp");
  const std::vector<uint8_t> jpg = read_bytes(dir / "good.jpg");
  const std::vector<uint8_t> png = read_bytes(dir / "good.png");
  const std::vector<uint8_t> bmp = read_bytes(dir / "good.bmp");

  SUBCASE("missing file") {
    CHECK_THROWS_WITH_AS(read_image(dir / "none.png"), doctest::Contains("none.png: cannot open"), Error);
  }
  SUBCASE("empty file") {
    write_bytes(dir / "empty.png", {});
    CHECK_THROWS_WITH_AS(read_image(dir / "empty.png"), doctest::Contains("empty.png: the file is empty"), Error);
  }
  SUBCASE("text that is not an image") {
    write_bytes(dir / "notes.jpg", {'h', 'e', 'l', 'l', 'o', '\n'});
    CHECK_THROWS_WITH_AS(read_image(dir / "notes.jpg"),
                         doctest::Contains("notes.jpg: not a readable JPEG, PNG or BMP image"), Error);
  }
  SUBCASE("truncated JPEG") {
    write_bytes(dir / "cut.jpg", std::vector<uint8_t>(jpg.begin(), jpg.begin() + jpg.size() / 2));
    CHECK_THROWS_WITH_AS(read_image(dir / "cut.jpg"), doctest::Contains("cut.jpg: truncated JPEG"), Error);
  }
  SUBCASE("truncated PNG") {
    write_bytes(dir / "cut.png", std::vector<uint8_t>(png.begin(), png.begin() + png.size() / 2));
    CHECK_THROWS_WITH_AS(read_image(dir / "cut.png"), doctest::Contains("cut.png: corrupt or truncated"), Error);
  }
  SUBCASE("truncated BMP") {
    write_bytes(dir / "cut.bmp", std::vector<uint8_t>(bmp.begin(), bmp.begin() + bmp.size() / 2));
    CHECK_THROWS_WITH_AS(read_image(dir / "cut.bmp"), doctest::Contains("cut.bmp: truncated BMP"), Error);
  }
  SUBCASE("corrupt PNG data") {
    std::vector<uint8_t> bad = png;
    for (size_t i = 45; i < bad.size() - 20; ++i) bad[i] = static_cast<uint8_t>(i * 37);
    write_bytes(dir / "bad.png", bad);
    CHECK_THROWS_WITH_AS(read_image(dir / "bad.png"), doctest::Contains("bad.png: corrupt or truncated"), Error);
  }
  SUBCASE("zero-sized image") {
    write_bytes(dir / "zero.png", with_png_size(png, 0, 32));
    CHECK_THROWS_WITH_AS(read_image(dir / "zero.png"), doctest::Contains("zero.png: the image is 0x32 pixels"),
                         Error);
  }
  SUBCASE("enormous image") {
    write_bytes(dir / "huge.png", with_png_size(png, 100000, 100000));
    CHECK_THROWS_WITH_AS(read_image(dir / "huge.png"),
                         doctest::Contains("huge.png: the image is 100000x100000 pixels (expected at most 16384"),
                         Error);
  }
}

TEST_CASE("is_image_file accepts the decoder's extensions in any case") {
  CHECK(is_image_file("a/b.JPG"));
  CHECK(is_image_file("b.jpeg"));
  CHECK(is_image_file("b.Png"));
  CHECK(is_image_file("b.bmp"));
  CHECK_FALSE(is_image_file("labels.csv"));
  CHECK_FALSE(is_image_file("b.tif"));
  CHECK_FALSE(is_image_file("png"));
}
