// Inputs the fuzz targets (tests/fuzz/*_fuzz.cpp) found to crash leuko, kept as ordinary
// tests: each is the exact input, written inline, and the clear error it must now give.
#include <string>
#include <vector>

#include "engine/data/image.h"
#include "tests/data/temp_folder.h"
#include "tests/support/testing.h"

using namespace leuko;

// fuzz_image: a JPEG whose second Huffman table (AC 0) declares 1 + 51 + 118 + 6 + 235 = 411
// codes; stb_image wrote past its 257-entry size table (UBSan: index 257 out of bounds in
// stbi__build_huffman), both when decoding and when reading only the size.
static std::vector<uint8_t> oversized_huffman_table_jpeg() {
  std::vector<uint8_t> bytes{0xff, 0xd8, 0xff, 0xdb, 0x00, 0x43, 0x00};  // SOI, DQT of 64 ones
  bytes.insert(bytes.end(), 64, 0x01);
  const std::vector<uint8_t> rest{
      0xff, 0xc0, 0x00, 0x0b, 0x08, 0x00, 0x08, 0x00, 0x08, 0x01, 0x01, 0x11, 0x00,  // SOF0 8x8 grey
      0xff, 0xc4, 0x00, 0x14, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // DHT DC 0: one code
      0xff, 0xc4, 0x00, 0x14, 0x10, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x33, 0x76, 0x06,
      0xeb, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // DHT AC 0: 411 codes, in a segment for one
      0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00,  // SOS
      0x3f, 0xff, 0xd9};  // coded data, EOI
  bytes.insert(bytes.end(), rest.begin(), rest.end());
  return bytes;
}

TEST_CASE("fuzz_image: a JPEG Huffman table of more than 256 codes is refused, not decoded") {
  const std::vector<uint8_t> bytes = oversized_huffman_table_jpeg();
  REQUIRE(bytes.size() == 141);
  for (const int channels : {3, 1}) {
    CHECK_THROWS_WITH_AS(data::decode_image(bytes, "cell.jpg", channels),
                         "image cell.jpg: corrupt JPEG (a Huffman table declares more than 256 codes)",
                         Error);
  }
  testing::TempFolder folder;
  testing::write_bytes(folder / "cell.jpg", bytes);
  CHECK_THROWS_AS(data::read_image_size(folder / "cell.jpg"), Error);
}
