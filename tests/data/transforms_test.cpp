#include "engine/data/transforms.h"

#include "engine/error.h"
#include "tests/data/temp_folder.h"
#include "tests/support/testing.h"

using namespace leuko;
using namespace leuko::data;
using leuko::testing::check_close;
using leuko::testing::golden_tensor;
using leuko::testing::load_golden;
using leuko::testing::pattern_image;

namespace {

Image image_from_golden(const Tensor& hwc) {
  Image image(static_cast<int>(hwc.size(0)), static_cast<int>(hwc.size(1)), static_cast<int>(hwc.size(2)));
  const std::vector<float> values = hwc.to_vector();
  for (size_t i = 0; i < values.size(); ++i) image.pixels[i] = static_cast<uint8_t>(values[i]);
  return image;
}

Tensor as_float_hwc(const Image& image) {
  std::vector<float> values(image.pixels.begin(), image.pixels.end());
  return from_vector(values, {image.height, image.width, image.channels});
}

}  // namespace

TEST_CASE("resize matches PIL's Image.resize(BILINEAR) exactly (golden, antialiased)") {
  const SafetensorsFile golden = load_golden("resize");
  const Image input = image_from_golden(golden_tensor(golden, "input"));
  const int sizes[][2] = {{13, 19}, {8, 5}, {37, 47}, {40, 13}, {1, 1}};
  for (const auto& size : sizes) {
    const Image out = resize(input, size[0], size[1]);
    REQUIRE(out.height == size[0]);
    REQUIRE(out.width == size[1]);
    // The same fixed-point arithmetic as PIL 9 (22-bit weights, byte rounding between the
    // passes), so the tolerance is zero.
    check_close(as_float_hwc(out), golden_tensor(golden, cat("resize_", size[0], "x", size[1])), 0.0f, 0.0f,
                cat("resize to ", size[0], "x", size[1]));
  }
}

TEST_CASE("rotate matches PIL's Image.rotate(NEAREST, expand=False, fill 0) (golden)") {
  const SafetensorsFile golden = load_golden("resize");
  const Image input = image_from_golden(golden_tensor(golden, "input"));
  for (const char* angle : {"17.3", "-9", "45"}) {
    const Image out = rotate(input, std::stod(angle));
    const std::vector<float> actual = as_float_hwc(out).to_vector();
    const std::vector<float> expected = golden_tensor(golden, cat("rotate_", angle)).to_vector();
    REQUIRE(actual.size() == expected.size());
    // Nearest neighbour: a source coordinate within rounding error of a pixel edge may
    // pick the neighbour in PIL (which rounds its matrix to 15 digits); allow 1% of pixels.
    int64_t differing = 0;
    for (size_t i = 0; i < actual.size(); ++i) differing += actual[i] != expected[i];
    CAPTURE(angle);
    CHECK(differing <= static_cast<int64_t>(actual.size() / 100));
  }
}

TEST_CASE("resize is the identity at the same size and keeps a constant image constant") {
  const Image image = pattern_image(9, 11);
  CHECK(resize(image, 9, 11).pixels == image.pixels);
  Image flat(17, 23, 3);
  std::fill(flat.pixels.begin(), flat.pixels.end(), 137);
  for (const auto& [h, w] : {std::pair{5, 7}, std::pair{40, 3}, std::pair{64, 64}}) {
    const Image out = resize(flat, h, w);
    CHECK(std::all_of(out.pixels.begin(), out.pixels.end(), [](uint8_t v) { return v == 137; }));
  }
  CHECK_THROWS_WITH_AS(resize(image, 0, 4), doctest::Contains("resize: target size must be positive"), Error);
}

TEST_CASE("center_crop takes the middle window, rounding half offsets to even like torchvision") {
  const Image image = pattern_image(6, 7);
  const Image crop = center_crop(image, 3, 4);  // top = round(1.5) = 2, left = round(1.5) = 2
  for (int y = 0; y < 3; ++y)
    for (int x = 0; x < 4; ++x)
      for (int c = 0; c < 3; ++c) CHECK(crop.at(y, x, c) == image.at(y + 2, x + 2, c));
  const Image crop2 = center_crop(image, 1, 2);  // top = round(2.5) = 2, left = round(2.5) = 2
  CHECK(crop2.at(0, 0, 0) == image.at(2, 2, 0));
  CHECK(center_crop(image, 6, 7).pixels == image.pixels);
  CHECK_THROWS_WITH_AS(center_crop(image, 8, 4), doctest::Contains("center_crop: crop 8x4 must fit inside"), Error);
}

TEST_CASE("flips mirror the image and undo themselves") {
  const Image image = pattern_image(4, 5);
  const Image h = flip_horizontal(image);
  const Image v = flip_vertical(image);
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 5; ++x)
      for (int c = 0; c < 3; ++c) {
        CHECK(h.at(y, x, c) == image.at(y, 4 - x, c));
        CHECK(v.at(y, x, c) == image.at(3 - y, x, c));
      }
  CHECK(flip_horizontal(h).pixels == image.pixels);
  CHECK(flip_vertical(v).pixels == image.pixels);
}

TEST_CASE("rotation by 90 degrees moves pixels counter-clockwise; corners fill with zero") {
  const Image image = pattern_image(4, 4);
  const Image out = rotate(image, 90.0);
  // Counter-clockwise: the top-right pixel goes to the top-left.
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 4; ++x) CHECK(out.at(y, x, 0) == image.at(x, 3 - y, 0));
  CHECK(rotate(image, 0.0).pixels == image.pixels);
  Image white(9, 9, 3);
  std::fill(white.pixels.begin(), white.pixels.end(), 255);
  const Image turned = rotate(white, 45.0);
  CHECK(turned.at(0, 0, 0) == 0);    // a corner comes from outside the source
  CHECK(turned.at(4, 4, 0) == 255);  // the centre stays
}

TEST_CASE("random flips and rotations follow the generator: same seed, same result") {
  const Image image = pattern_image(10, 12);
  int flipped = 0;
  Generator g(5);
  for (int i = 0; i < 200; ++i) flipped += random_flip_horizontal(image, g).pixels != image.pixels;
  CHECK(flipped > 70);  // p = 0.5 over 200 draws
  CHECK(flipped < 130);
  CHECK(random_flip_vertical(image, g, 0.0f).pixels == image.pixels);
  CHECK(random_flip_vertical(image, g, 1.0f).pixels == flip_vertical(image).pixels);
  Generator a(9), b(9);
  CHECK(random_rotation(image, a, 15.0).pixels == random_rotation(image, b, 15.0).pixels);
  Generator c(9);
  const float u = c.uniform();
  Generator d(9);
  CHECK(random_rotation(image, d, 15.0).pixels == rotate(image, -15.0 + 30.0 * u).pixels);
}

TEST_CASE("apply_mask blacks out where the mask is 0 and checks sizes") {
  Image image = pattern_image(2, 3);
  Image mask(2, 3, 1);
  mask.pixels = {0, 128, 255, 255, 0, 1};
  const Image out = apply_mask(image, mask, "mask m.png");
  for (int y = 0; y < 2; ++y)
    for (int x = 0; x < 3; ++x)
      for (int c = 0; c < 3; ++c) CHECK(out.at(y, x, c) == (mask.at(y, x, 0) ? image.at(y, x, c) : 0));
  CHECK_THROWS_WITH_AS(apply_mask(image, Image(3, 2, 1), "mask m.png for image i.png"),
                       doctest::Contains("mask m.png for image i.png: the mask is 2x3 pixels but the image is 3x2"),
                       Error);
}

TEST_CASE("normalize_ subtracts the mean and divides by the std per channel") {
  Tensor t = full({3, 2, 2}, 0.5f);
  normalize_(t, kImageNetStats);
  const std::vector<float> v = t.to_vector();
  for (int c = 0; c < 3; ++c)
    for (int i = 0; i < 4; ++i)
      CHECK(v[c * 4 + i] == doctest::Approx((0.5f - kImageNetStats.mean[c]) / kImageNetStats.std[c]).epsilon(1e-6));
  CHECK_THROWS_WITH_AS(normalize_(zeros({1, 2, 2}), kImageNetStats), doctest::Contains("expected a contiguous [3, H, W]"),
                       Error);
  CHECK_THROWS_WITH_AS(normalize_(zeros({2, 2}), kImageNetStats), doctest::Contains("normalize"), Error);
  CHECK_THROWS_WITH_AS(normalize_(full({3, 1, 1}, 1.0f), ChannelStats{{0, 0, 0}, {1, 0, 1}}),
                       doctest::Contains("std[1] must be positive"), Error);
}
