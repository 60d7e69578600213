#include "engine/data/transforms.h"

#include <set>

#include "engine/error.h"
#include "tests/data/temp_folder.h"
#include "tests/support/testing.h"

using namespace leuko;
using namespace leuko::data;
using namespace leuko::testing;

namespace {

Image image_from_golden(const Tensor& hwc) {
  Image image(static_cast<int>(hwc.size(0)), static_cast<int>(hwc.size(1)),
              static_cast<int>(hwc.size(2)));
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
    check_close(as_float_hwc(out), golden_tensor(golden, cat("resize_", size[0], "x", size[1])),
                0.0f, 0.0f, cat("resize to ", size[0], "x", size[1]));
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
  CHECK_THROWS_WITH_AS(resize(image, 0, 4),
                       doctest::Contains("resize: target size must be positive"), Error);
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
  CHECK_THROWS_WITH_AS(center_crop(image, 8, 4),
                       doctest::Contains("center_crop: crop 8x4 must fit inside"), Error);
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

TEST_CASE("rotation by 90 degrees moves pixels counter-clockwise, corners fill with zero") {
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
      for (int c = 0; c < 3; ++c)
        CHECK(out.at(y, x, c) == (mask.at(y, x, 0) ? image.at(y, x, c) : 0));
  CHECK_THROWS_WITH_AS(
      apply_mask(image, Image(3, 2, 1), "mask m.png for image i.png"),
      doctest::Contains("mask m.png for image i.png: the mask is 2x3 pixels but the image is 3x2"),
      Error);
}

TEST_CASE("normalize_ subtracts the mean and divides by the std per channel") {
  Tensor t = full({3, 2, 2}, 0.5f);
  normalize_(t, kImageNetStats);
  const std::vector<float> v = t.to_vector();
  for (int c = 0; c < 3; ++c)
    for (int i = 0; i < 4; ++i)
      CHECK(v[c * 4 + i] ==
            doctest::Approx((0.5f - kImageNetStats.mean[c]) / kImageNetStats.std[c]).epsilon(1e-6));
  CHECK_THROWS_WITH_AS(normalize_(zeros({1, 2, 2}), kImageNetStats),
                       doctest::Contains("expected a contiguous [3, H, W]"), Error);
  CHECK_THROWS_WITH_AS(normalize_(zeros({2, 2}), kImageNetStats), doctest::Contains("normalize"),
                       Error);
  CHECK_THROWS_WITH_AS(normalize_(full({3, 1, 1}, 1.0f), ChannelStats{{0, 0, 0}, {1, 0, 1}}),
                       doctest::Contains("std[1] must be positive"), Error);
}

TEST_CASE(
    "resize_nearest copies the pixel under each output centre (hand values, as PIL's NEAREST)") {
  // A 5x7 grey ramp, value 3 * (7y + x); the expected rows were checked against
  // PIL 9's Image.resize(NEAREST).
  Image ramp(5, 7, 1);
  for (int y = 0; y < 5; ++y)
    for (int x = 0; x < 7; ++x) ramp.at(y, x, 0) = static_cast<uint8_t>(3 * (7 * y + x));
  CHECK(resize_nearest(ramp, 3, 4).pixels ==
        std::vector<uint8_t>{0, 6, 12, 18, 42, 48, 54, 60, 84, 90, 96, 102});
  CHECK(resize_nearest(ramp, 2, 2).pixels == std::vector<uint8_t>{24, 36, 66, 78});
  const Image up = resize_nearest(ramp, 8, 11);  // enlarging repeats pixels
  CHECK(std::vector<uint8_t>(up.row(2), up.row(2) + 11) ==
        std::vector<uint8_t>{21, 21, 24, 27, 27, 30, 33, 33, 36, 39, 39});
  // A mask keeps its values: nothing between 0, 128 and 255 appears.
  Image mask(13, 9, 1);
  for (int y = 0; y < 13; ++y)
    for (int x = 0; x < 9; ++x) mask.at(y, x, 0) = (x + y) % 3 == 0 ? 0 : (x > y ? 128 : 255);
  for (const Image& out : {resize_nearest(mask, 5, 6), resize_nearest(mask, 31, 17)})
    for (uint8_t v : out.pixels) CHECK((v == 0 || v == 128 || v == 255));
  const Image rgb = pattern_image(6, 5);
  CHECK(resize_nearest(rgb, 6, 5).pixels == rgb.pixels);
  CHECK(resize_nearest(rgb, 3, 5).at(1, 2, 1) == rgb.at(3, 2, 1));  // row (1 + 0.5) * 2 = 3
  CHECK_THROWS_WITH_AS(resize_nearest(rgb, 4, 0),
                       doctest::Contains("resize_nearest: target size must be positive"), Error);
}

TEST_CASE("random_window: every offset possible, always inside, same seed same window") {
  std::set<std::pair<int, int>> corners;
  Generator g(11);
  for (int i = 0; i < 400; ++i) {
    const CropWindow w = random_window(7, 9, 5, 6, g);
    CHECK(w.height == 5);
    CHECK(w.width == 6);
    CHECK((w.top >= 0 && w.top <= 2 && w.left >= 0 && w.left <= 3));
    corners.insert({w.top, w.left});
  }
  CHECK(corners.size() == 12);  // 3 x 4 positions, all drawn
  Generator a(3), b(3);
  const CropWindow wa = random_window(40, 30, 16, 16, a), wb = random_window(40, 30, 16, 16, b);
  CHECK((wa.top == wb.top && wa.left == wb.left));
  const Image image = pattern_image(7, 9);
  const Image cut = crop(image, {2, 3, 4, 5});
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 5; ++x) CHECK(cut.at(y, x, 2) == image.at(y + 2, x + 3, 2));
  CHECK_THROWS_WITH_AS(random_window(7, 9, 8, 2, g),
                       doctest::Contains("random crop: crop 8x2 must fit inside"), Error);
  CHECK_THROWS_WITH_AS(crop(image, {5, 0, 4, 4}),
                       doctest::Contains("crop: the 4x4 window at (5, 0) must fit"), Error);
}

TEST_CASE("mask_to_target_into: any non-zero mask value is cell (1), on every channel") {
  Image mask(2, 3, 1);
  mask.pixels = {0, 128, 255, 1, 0, 0};
  std::vector<float> target(3 * 6, -1.0f);
  mask_to_target_into(mask, target.data());
  const std::vector<float> plane{0, 1, 1, 1, 0, 0};
  for (int c = 0; c < 3; ++c)
    CHECK(std::vector<float>(target.begin() + 6 * c, target.begin() + 6 * (c + 1)) == plane);
  CHECK_THROWS_WITH_AS(mask_to_target_into(pattern_image(2, 3), target.data()),
                       doctest::Contains("expected a grey (1-channel) mask"), Error);
}

TEST_CASE("denormalize undoes normalize_ and leaves its input alone") {
  const Tensor image = rand({3, 4, 5});
  Tensor normalized = image.clone();
  normalize_(normalized, kImageNetStats);
  const Tensor copy = normalized.clone();
  check_close(denormalize(normalized, kImageNetStats), image, 1e-6f, 1e-5f,
              "denormalize(normalize(x))");
  CHECK(normalized.to_vector() == copy.to_vector());
  CHECK_THROWS_WITH_AS(denormalize(zeros({1, 4, 4}), kImageNetStats),
                       doctest::Contains("expected a [3, H, W] image"), Error);
}
