#include "engine/data/image.h"

#include <algorithm>

#include "engine/error.h"
#include "tests/data/temp_folder.h"
#include "tests/support/testing.h"

using namespace leuko;
using namespace leuko::data;
using namespace leuko::testing;

namespace {

// A 2x2 RGBA PNG written by PIL: red, half-transparent green, fully transparent blue,
// and (10, 20, 30) opaque. Alpha must be dropped, never multiplied in.
const std::vector<uint8_t> kRgbaPng = {
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48,
    0x44, 0x52, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x08, 0x06, 0x00, 0x00,
    0x00, 0x72, 0xb6, 0x0d, 0x24, 0x00, 0x00, 0x00, 0x1a, 0x49, 0x44, 0x41, 0x54, 0x78,
    0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0, 0x9f, 0xe1, 0x3f, 0x43, 0x03, 0x03, 0x03, 0xc3,
    0x7f, 0x06, 0x2e, 0x11, 0xb9, 0xff, 0x00, 0x37, 0x80, 0x05, 0xb8, 0x70, 0x4c, 0x3d,
    0x7f, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};

// Overwrites the big-endian width and height in a PNG's IHDR chunk (bytes 16..23).
std::vector<uint8_t> with_png_size(std::vector<uint8_t> png, uint32_t width, uint32_t height) {
  for (int i = 0; i < 4; ++i) {
    png[16 + i] = static_cast<uint8_t>(width >> (24 - 8 * i));
    png[20 + i] = static_cast<uint8_t>(height >> (24 - 8 * i));
  }
  return png;
}

// A valid PNG of side x side black grey pixels, written by hand so that a huge one costs
// little. Every byte of its raw data (each row's filter byte, then its pixels) is 0, so the
// zlib stream is one literal 0 and then back-references "copy 258 bytes from 1 back", in
// deflate's fixed Huffman codes: 13 bits per 258 bytes, 1.7 MB for 16384 x 16384.
std::vector<uint8_t> black_png(uint32_t side) {
  std::vector<uint8_t> zlib{0x78, 0x01};  // deflate, 32 KiB window, no dictionary
  uint32_t bits = 0, count = 0;           // deflate packs bits from the least significant
  const auto put = [&](uint32_t value, uint32_t n) {
    for (uint32_t i = 0; i < n; ++i, value >>= 1) {
      bits |= (value & 1) << count;
      if (++count == 8) zlib.push_back(static_cast<uint8_t>(bits)), bits = count = 0;
    }
  };
  const auto huffman = [&](uint32_t code, uint32_t n) {  // Huffman codes go most significant first
    for (uint32_t i = n; i-- > 0;) put(code >> i, 1);
  };
  const uint64_t raw = uint64_t{side} * (side + 1);
  put(1, 1);         // the last block,
  put(1, 2);         // fixed Huffman codes
  huffman(0x30, 8);  // literal 0
  uint64_t left = raw - 1;
  for (; left >= 258; left -= 258) {
    huffman(0xC5, 8);  // length 258 (code 285, no extra bits)
    huffman(0, 5);     // distance 1 (code 0)
  }
  for (; left > 0; --left) huffman(0x30, 8);
  huffman(0, 7);  // end of block
  if (count > 0) zlib.push_back(static_cast<uint8_t>(bits));
  const uint32_t adler = static_cast<uint32_t>(raw % 65521) << 16 | 1;  // Adler-32 of zeros
  for (int shift = 24; shift >= 0; shift -= 8) zlib.push_back(static_cast<uint8_t>(adler >> shift));

  std::vector<uint8_t> png{0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a};
  const auto be32 = [](std::vector<uint8_t>& out, uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
  };
  const auto chunk = [&](const char* type, const std::vector<uint8_t>& data) {
    std::vector<uint8_t> body(type, type + 4);
    body.insert(body.end(), data.begin(), data.end());
    uint32_t crc = 0xFFFFFFFF;  // CRC-32 of type and data, bit by bit
    for (uint8_t byte : body) {
      crc ^= byte;
      for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320 & (0 - (crc & 1)));
    }
    be32(png, static_cast<uint32_t>(data.size()));
    png.insert(png.end(), body.begin(), body.end());
    be32(png, ~crc);
  };
  std::vector<uint8_t> header;
  be32(header, side);
  be32(header, side);
  header.insert(header.end(), {8, 0, 0, 0, 0});  // 8-bit grey, deflate, no filter, no interlace
  chunk("IHDR", header);
  chunk("IDAT", zlib);
  chunk("IEND", {});
  return png;
}

}  // namespace

TEST_CASE("PNG and BMP round-trip exactly, JPEG comes back close") {
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
      for (int c = 0; c < 3; ++c)
        smooth.at(y, x, c) = static_cast<uint8_t>(40 + 5 * x + 3 * y + 20 * c);
  write_image(smooth, dir / "a.jpg", 100);
  const Image back = read_image(dir / "a.jpg");
  REQUIRE(back.pixels.size() == smooth.pixels.size());
  int worst = 0;
  for (size_t i = 0; i < back.pixels.size(); ++i)
    worst = std::max(worst, std::abs(back.pixels[i] - smooth.pixels[i]));
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

TEST_CASE("to_tensor gives CHW floats in [0, 1], from_tensor inverts it") {
  Image image(1, 2, 3);
  image.pixels = {0, 51, 255, 102, 204, 153};
  const Tensor t = to_tensor(image);
  CHECK(t.shape() == Shape{3, 1, 2});
  const std::vector<float> expected = {0.0f, 0.4f, 0.2f, 0.8f, 1.0f, 0.6f};
  const std::vector<float> actual = t.to_vector();
  for (size_t i = 0; i < expected.size(); ++i)
    CHECK(actual[i] == doctest::Approx(expected[i]).epsilon(1e-6));
  CHECK(from_tensor(t).pixels == image.pixels);
  CHECK_THROWS_WITH_AS(from_tensor(zeros({2, 4, 4})), doctest::Contains("expected 1 or 3 channels"),
                       Error);
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
    CHECK_THROWS_WITH_AS(read_image(dir / "none.png"), doctest::Contains("none.png: cannot open"),
                         Error);
  }
  SUBCASE("empty file") {
    write_bytes(dir / "empty.png", {});
    CHECK_THROWS_WITH_AS(read_image(dir / "empty.png"),
                         doctest::Contains("empty.png: the file is empty"), Error);
  }
  SUBCASE("text that is not an image") {
    write_bytes(dir / "notes.jpg", {'h', 'e', 'l', 'l', 'o', '\n'});
    CHECK_THROWS_WITH_AS(read_image(dir / "notes.jpg"),
                         doctest::Contains("notes.jpg: not a readable JPEG, PNG or BMP image"),
                         Error);
  }
  SUBCASE("truncated JPEG") {
    write_bytes(dir / "cut.jpg", std::vector<uint8_t>(jpg.begin(), jpg.begin() + jpg.size() / 2));
    CHECK_THROWS_WITH_AS(read_image(dir / "cut.jpg"), doctest::Contains("cut.jpg: truncated JPEG"),
                         Error);
  }
  SUBCASE("truncated PNG") {
    write_bytes(dir / "cut.png", std::vector<uint8_t>(png.begin(), png.begin() + png.size() / 2));
    CHECK_THROWS_WITH_AS(read_image(dir / "cut.png"),
                         doctest::Contains("cut.png: corrupt or truncated"), Error);
  }
  SUBCASE("truncated BMP") {
    write_bytes(dir / "cut.bmp", std::vector<uint8_t>(bmp.begin(), bmp.begin() + bmp.size() / 2));
    CHECK_THROWS_WITH_AS(read_image(dir / "cut.bmp"), doctest::Contains("cut.bmp: truncated BMP"),
                         Error);
  }
  SUBCASE("corrupt PNG data") {
    std::vector<uint8_t> bad = png;
    for (size_t i = 45; i < bad.size() - 20; ++i) bad[i] = static_cast<uint8_t>(i * 37);
    write_bytes(dir / "bad.png", bad);
    CHECK_THROWS_WITH_AS(read_image(dir / "bad.png"),
                         doctest::Contains("bad.png: corrupt or truncated"), Error);
  }
  SUBCASE("zero-sized image") {
    write_bytes(dir / "zero.png", with_png_size(png, 0, 32));
    CHECK_THROWS_WITH_AS(read_image(dir / "zero.png"),
                         doctest::Contains("zero.png: the image is 0x32 pixels"), Error);
  }
  SUBCASE("enormous image") {
    write_bytes(dir / "huge.png", with_png_size(png, 100000, 100000));
    CHECK_THROWS_WITH_AS(
        read_image(dir / "huge.png"),
        doctest::Contains("huge.png: the image is 100000x100000 pixels (expected at most 16384"),
        Error);
  }
}

TEST_CASE("a small file declaring more than 8192x8192 pixels is refused before it is decoded") {
  TempFolder dir;
  // The hand-made PNG is valid: a small one decodes to black.
  write_bytes(dir / "small.png", black_png(64));
  const Image small = read_image(dir / "small.png");
  CHECK(small.height == 64);
  CHECK(small.width == 64);
  CHECK(std::all_of(small.pixels.begin(), small.pixels.end(), [](uint8_t p) { return p == 0; }));
  // 16384 x 16384 would be 805 MB as RGB (plus stb's 268 MB): refused from the header.
  const std::vector<uint8_t> huge = black_png(16384);
  CHECK(huge.size() < 2'000'000);
  write_bytes(dir / "bomb.png", huge);
  CHECK_THROWS_WITH_AS(
      read_image(dir / "bomb.png"),
      doctest::Contains("bomb.png: the image is 16384x16384 pixels (expected at most 8192x8192"),
      Error);
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
