// Inputs the fuzz targets (tests/fuzz/*_fuzz.cpp) found to crash leuko, kept as ordinary
// tests: each is the exact input, written inline, and the clear error it must now give.
#include <cstdlib>
#include <string>
#include <vector>

#include "engine/data/image.h"
#include "tests/data/temp_folder.h"
#include "tests/support/testing.h"

using namespace leuko;

static std::vector<uint8_t> from_hex(const std::string& hex) {
  std::vector<uint8_t> bytes;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    bytes.push_back(static_cast<uint8_t>(std::strtoul(hex.substr(i, 2).c_str(), nullptr, 16)));
  return bytes;
}

// fuzz_image: a JPEG whose second Huffman table (AC 0) declares 1 + 51 + 118 + 6 + 235 = 411
// codes; stb_image wrote past its 257-entry size table (UBSan: index 257 out of bounds in
// stbi__build_huffman), both when decoding and when reading only the size.
static std::vector<uint8_t> oversized_huffman_table_jpeg() {
  std::vector<uint8_t> bytes{0xff, 0xd8, 0xff, 0xdb, 0x00, 0x43, 0x00};  // SOI, DQT of 64 ones
  bytes.insert(bytes.end(), 64, 0x01);
  // One JPEG segment a line, as the file lays it out (clang-format would reflow it).
  // clang-format off
  const std::vector<uint8_t> rest{
      0xff, 0xc0, 0x00, 0x0b, 0x08, 0x00, 0x08, 0x00, 0x08, 0x01, 0x01, 0x11, 0x00,  // SOF0 8x8
      0xff, 0xc4, 0x00, 0x14, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,                    // DHT DC 0: one code
      0xff, 0xc4, 0x00, 0x14, 0x10, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x33, 0x76, 0x06,
      0xeb, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,                    // DHT AC 0: 411 codes
      0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00,  // SOS
      0x3f, 0xff, 0xd9};                                           // coded data, EOI
  // clang-format on
  bytes.insert(bytes.end(), rest.begin(), rest.end());
  return bytes;
}

TEST_CASE("fuzz_image: a JPEG Huffman table of more than 256 codes is refused, not decoded") {
  const std::vector<uint8_t> bytes = oversized_huffman_table_jpeg();
  REQUIRE(bytes.size() == 141);
  for (const int channels : {3, 1}) {
    CHECK_THROWS_WITH_AS(
        data::decode_image(bytes, "cell.jpg", channels),
        "image cell.jpg: corrupt JPEG (a Huffman table declares more than 256 codes)", Error);
  }
  testing::TempFolder folder;
  testing::write_bytes(folder / "cell.jpg", bytes);
  CHECK_THROWS_AS(data::read_image_size(folder / "cell.jpg"), Error);
}

// fuzz_image, after the fix above: the same kind of table (1 + 120 + 156 + 96 + 96 + 41 +
// 155 = 665 codes) behind bytes that are no marker (a PNG header inside the JPEG), which
// stb skips to find the next segment and the first version of the check did not.
TEST_CASE("fuzz_image: an oversized Huffman table behind non-marker bytes is refused too") {
  const std::vector<uint8_t> bytes = from_hex(
      "ffd8ffdb00430001010101010101010101010101010101013001010101010101010101010101010101010101"
      "010101010101010101010101010101010189504e470d0a1a0a0000000d494844520000000200000002080600"
      "000072b60d24000000164944415401010101010101ffc00011080008000803011100021100031100ffc40014"
      "000100000000000000000000000000000000ffc400141001000000000000789c0060600000299b000000ffda"
      "000c03010002000300003f0003ffd96360606462666165636700931c9c5c0002220051d63d54600000000049"
      "454e44ae426082");
  REQUIRE(bytes.size() == 227);
  CHECK_THROWS_WITH_AS(
      data::decode_image(bytes, "cell.jpg", 3),
      "image cell.jpg: corrupt JPEG (a Huffman table declares more than 256 codes)", Error);
}

// fuzz_image, after that: an oversized table (1 + 3 x 251 codes) after a scan whose coded
// data holds FF FF .. FF 00 (a stuffed FF to stb, the end of the data to a marker walk).
// The check now looks at every FF C4 pair in the file, as any table stb reads starts at one.
TEST_CASE("fuzz_image: an oversized Huffman table after the first scan is refused") {
  const std::vector<uint8_t> bytes = from_hex(
      "ffd8ffdb00430001010101010101010101010101010101f9010101010101010101010101010101010101ffff"
      "616000294155010101010101010101010101010101010101010101ffc0001108000800080301110002110003"
      "1100ffc40014000100000000000000000000000000000000ffc4001410010000000000000000000000000000"
      "0000ffda000c03010002000300003f0003ffffffffffffffffffffffffffffffffffffffffffffffffffffff"
      "ffffffffffffffffffffffffffffff000100000000000000000000000000000000ffc4001410010000000000"
      "fbfbfb0000000000000000000000ffda000c04fffffdfffcffff3f0003ffffffffffffffffffffd9");
  REQUIRE(bytes.size() == 260);
  CHECK_THROWS_WITH_AS(
      data::decode_image(bytes, "cell.jpg", 3),
      "image cell.jpg: corrupt JPEG (a Huffman table declares more than 256 codes)", Error);
}

// fuzz_image: a 2x2 RGBA PNG cut short after a zero-length IDAT chunk. stb_image copies the
// empty chunk with memcpy(NULL, p, 0), which UBSan reports (undefined by the letter of C,
// harmless); the sanitizer builds turn that one check off for stb (CMakeLists.txt). The
// file itself must be refused as corrupt.
TEST_CASE("fuzz_image: a PNG ending after an empty IDAT chunk is refused") {
  const std::vector<uint8_t> bytes = from_hex(
      "89504e470d0a1a0a0000000d4948445200000002000000020806000000000000000000000049444154"
      "780100426082");
  REQUIRE(bytes.size() == 47);
  CHECK_THROWS_AS(data::decode_image(bytes, "cell.png", 3), Error);
}
