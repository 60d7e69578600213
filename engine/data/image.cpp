#include "engine/data/image.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <iterator>

#include "engine/error.h"

// The one translation unit that compiles stb's decoder and encoder. Only the formats the
// datasets use are built in, which keeps the binary and the attack surface small.
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_JPEG
#define STBI_ONLY_PNG
#define STBI_ONLY_BMP
#define STBI_NO_STDIO
#define STBI_FAILURE_USERMSG
#include <stb/stb_image.h>

#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STBI_WRITE_NO_STDIO
#include <stb/stb_image_write.h>

namespace leuko::data {
namespace fs = std::filesystem;

namespace {

std::string lower_extension(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext;
}

std::vector<uint8_t> read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  LEUKO_CHECK(in.good(), "image ", path.string(), ": cannot open the file (expected a readable ",
              "JPEG, PNG or BMP file)");
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  return bytes;
}

uint32_t big_endian(const std::vector<uint8_t>& b, size_t at, int bytes) {
  uint32_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | b[at + i];
  return v;
}

uint32_t little_endian(const std::vector<uint8_t>& b, size_t at, int bytes) {
  uint32_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | b[at + i];
  return v;
}

// What the file's header says, read here rather than by stb: stb refuses zero-sized and
// huge images with a generic "unknown type" message, and it decodes truncated JPEG and
// BMP files without complaint (missing pixels come out grey or black). Knowing the
// format and size first gives each of those cases its own clear message.
struct Header {
  const char* format = nullptr;     // nullptr: not a JPEG, PNG or BMP signature
  int64_t width = -1, height = -1;  // -1: not found in the header
  bool truncated = false;
  bool oversized_huffman_table = false;  // JPEG: see huffman_tables_fit
};

// stb_image (Debian's 2022 copy) trusts the code counts of a JPEG Huffman table: a table
// declaring more than 256 codes makes it write past the end of its arrays (found by
// tests/fuzz/image_fuzz.cpp). True when every table of the DHT segment b[begin, end) has
// at most 256 codes. Read as stb reads it: a table is started while the segment has any
// byte left and may run past its end (bytes past the file read as 0).
bool huffman_tables_fit(const std::vector<uint8_t>& b, size_t begin, size_t end) {
  for (size_t at = begin; at < end && at < b.size();) {  // class and id, 16 counts, symbols
    size_t codes = 0;
    for (size_t i = at + 1; i <= at + 16 && i < b.size(); ++i) codes += b[i];
    if (codes > 256) return false;
    at += 17 + codes;
  }
  return true;
}

Header read_header(const std::vector<uint8_t>& b) {
  Header h;
  if (b.size() >= 24 && b[0] == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G') {
    h.format = "PNG";  // signature, then the IHDR chunk: width, height as 32-bit big endian
    h.width = big_endian(b, 16, 4);
    h.height = big_endian(b, 20, 4);
  } else if (b.size() >= 26 && b[0] == 'B' && b[1] == 'M') {
    h.format = "BMP";
    const uint32_t pixel_offset = little_endian(b, 10, 4);
    const uint32_t info_size = little_endian(b, 14, 4);
    int64_t bits = 0, compression = 0;
    if (info_size == 12) {  // the old OS/2 header: 16-bit sizes
      h.width = little_endian(b, 18, 2);
      h.height = little_endian(b, 20, 2);
      bits = little_endian(b, 24, 2);
    } else if (b.size() >= 34) {
      h.width = static_cast<int32_t>(little_endian(b, 18, 4));
      h.height = std::abs(
          static_cast<int64_t>(static_cast<int32_t>(little_endian(b, 22, 4))));  // < 0: top-down
      bits = little_endian(b, 28, 2);
      compression = little_endian(b, 30, 4);
    }
    // Uncompressed rows are padded to 4 bytes; RLE-compressed sizes cannot be known here.
    const bool uncompressed = compression == 0 || compression == 3;
    if (uncompressed && h.width > 0 && h.height > 0 && h.width <= kMaxImageSide &&
        h.height <= kMaxImageSide) {
      const int64_t row_bytes = (h.width * bits + 31) / 32 * 4;
      h.truncated = static_cast<int64_t>(b.size()) < pixel_offset + row_bytes * h.height;
    }
  } else if (b.size() >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF) {
    h.format = "JPEG";
    // Walk the marker segments to the frame header (SOF0..SOF15 except DHT, JPG, DAC).
    size_t at = 2;
    while (at + 4 <= b.size() && b[at] == 0xFF) {
      const uint8_t marker = b[at + 1];
      if (marker == 0xFF) {
        ++at;
        continue;
      }  // fill byte
      const size_t length = big_endian(b, at + 2, 2);
      const bool frame =
          marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
      if (frame && at + 9 <= b.size()) {
        h.height = big_endian(b, at + 5, 2);
        h.width = big_endian(b, at + 7, 2);
        break;
      }
      at += 2 + length;
    }
    // Every FF C4 (DHT) in the file is checked, not only the segments a walk would reach:
    // stb finds segments its own way (skipping stray bytes, and coded data it did not
    // decode), but any table it reads starts at such a pair. A pair inside another
    // segment's payload can at worst refuse a file whose "tables" look oversized.
    for (size_t i = 0; i + 3 < b.size(); ++i) {
      if (b[i] == 0xFF && b[i + 1] == 0xC4 &&
          !huffman_tables_fit(b, i + 4, i + 2 + big_endian(b, i + 2, 2)))
        h.oversized_huffman_table = true;
    }
    // A complete JPEG ends with the end-of-image marker FF D9 (some writers pad after it).
    bool has_end = false;
    const size_t search_from = b.size() > 64 ? b.size() - 64 : 0;
    for (size_t i = b.size(); i-- > search_from + 1 && !has_end;)
      has_end = b[i - 1] == 0xFF && b[i] == 0xD9;
    h.truncated = !has_end;
  }
  return h;
}

void check_huffman_tables(const Header& header, const std::string& name) {
  LEUKO_CHECK(!header.oversized_huffman_table, "image ", name,
              ": corrupt JPEG (a Huffman table declares more than 256 codes)");
}

void append_bytes(void* context, void* data, int size) {
  auto* out = static_cast<std::vector<uint8_t>*>(context);
  const auto* p = static_cast<const uint8_t*>(data);
  out->insert(out->end(), p, p + size);
}

}  // namespace

bool is_image_file(const fs::path& path) {
  const std::string ext = lower_extension(path);
  return ext == ".jpg" || ext == ".jpeg" || ext == ".png" || ext == ".bmp";
}

Image decode_image(const std::vector<uint8_t>& bytes, const std::string& name, int channels) {
  LEUKO_CHECK(channels == 1 || channels == 3, "decode_image: channels must be 1 or 3, got ",
              channels);
  LEUKO_CHECK(!bytes.empty(), "image ", name,
              ": the file is empty (expected a JPEG, PNG or BMP image)");
  LEUKO_CHECK(bytes.size() < (size_t{1} << 31), "image ", name, ": the file is ", bytes.size(),
              " bytes (expected an image file under 2 GiB)");
  const Header header = read_header(bytes);
  LEUKO_CHECK(header.format != nullptr, "image ", name,
              ": not a readable JPEG, PNG or BMP image (unknown file signature)");
  if (header.width >= 0 && header.height >= 0) {
    LEUKO_CHECK(header.width > 0 && header.height > 0, "image ", name, ": the image is ",
                header.width, "x", header.height, " pixels (expected at least 1x1)");
    LEUKO_CHECK(header.width <= kMaxImageSide && header.height <= kMaxImageSide, "image ", name,
                ": the image is ", header.width, "x", header.height, " pixels (expected at most ",
                kMaxImageSide, " per side)");
  }
  check_huffman_tables(header, name);
  LEUKO_CHECK(!header.truncated, "image ", name, ": truncated ", header.format,
              " (the file ends before the image data does; expected a complete file)");

  const int length = static_cast<int>(bytes.size());
  int width = 0, height = 0, file_channels = 0;
  // The size as stb itself reads it (what it would allocate for), bounded before decoding.
  if (stbi_info_from_memory(bytes.data(), length, &width, &height, &file_channels))
    LEUKO_CHECK(int64_t{width} * height <= kMaxImagePixels, "image ", name, ": the image is ",
                width, "x", height, " pixels (expected at most 8192x8192 = ", kMaxImagePixels,
                " pixels)");
  // stb converts grey, grey+alpha and RGBA to the channel count asked for (alpha dropped,
  // grey replicated; RGB to grey by luminance for masks).
  uint8_t* decoded =
      stbi_load_from_memory(bytes.data(), length, &width, &height, &file_channels, channels);
  LEUKO_CHECK(decoded != nullptr, "image ", name, ": corrupt or truncated image data (",
              stbi_failure_reason(), "; expected a valid JPEG, PNG or BMP image)");
  Image image;
  image.height = height;
  image.width = width;
  image.channels = channels;
  image.pixels.assign(decoded, decoded + static_cast<size_t>(width) * height * channels);
  stbi_image_free(decoded);
  return image;
}

Image read_image(const fs::path& path) { return decode_image(read_bytes(path), path.string(), 3); }

Image read_mask(const fs::path& path) { return decode_image(read_bytes(path), path.string(), 1); }

ImageSize read_image_size(const fs::path& path) {
  const std::vector<uint8_t> bytes = read_bytes(path);
  check_huffman_tables(read_header(bytes), path.string());  // stb reads the tables before the size
  int width = 0, height = 0, channels = 0;
  LEUKO_CHECK(!bytes.empty() && stbi_info_from_memory(bytes.data(), static_cast<int>(bytes.size()),
                                                      &width, &height, &channels),
              "image ", path.string(), ": not a readable JPEG, PNG or BMP image");
  return {height, width};
}

void write_image(const Image& image, const fs::path& path, int jpeg_quality) {
  LEUKO_CHECK(image.channels == 1 || image.channels == 3, "write_image ", path.string(),
              ": expected 1 or 3 channels, got ", image.channels);
  LEUKO_CHECK(image.width > 0 && image.height > 0, "write_image ", path.string(),
              ": expected a non-empty image, got ", image.width, "x", image.height);
  std::vector<uint8_t> encoded;
  const std::string ext = lower_extension(path);
  int ok = 0;
  if (ext == ".png") {
    ok = stbi_write_png_to_func(append_bytes, &encoded, image.width, image.height, image.channels,
                                image.pixels.data(), image.width * image.channels);
  } else if (ext == ".jpg" || ext == ".jpeg") {
    ok = stbi_write_jpg_to_func(append_bytes, &encoded, image.width, image.height, image.channels,
                                image.pixels.data(), jpeg_quality);
  } else if (ext == ".bmp") {
    ok = stbi_write_bmp_to_func(append_bytes, &encoded, image.width, image.height, image.channels,
                                image.pixels.data());
  } else {
    throw Error(cat("write_image ", path.string(), ": expected a .png, .jpg or .bmp file name"));
  }
  LEUKO_CHECK(ok, "write_image ", path.string(), ": encoding failed");
  fs::path temp = path;
  temp += ".tmp";
  {
    std::ofstream out(temp, std::ios::binary);
    LEUKO_CHECK(out.good(), "write_image ", path.string(), ": cannot create the file");
    out.write(reinterpret_cast<const char*>(encoded.data()),
              static_cast<std::streamsize>(encoded.size()));
    LEUKO_CHECK(out.good(), "write_image ", path.string(), ": write failed");
  }
  fs::rename(temp, path);
}

void to_tensor_into(const Image& image, float* out) {
  const size_t plane = static_cast<size_t>(image.height) * image.width;
  const int channels = image.channels;
  const uint8_t* src = image.pixels.data();
  // HWC bytes -> CHW floats: one pass over the source, one output plane per channel.
  for (int c = 0; c < channels; ++c) {
    float* dst = out + c * plane;
    for (size_t i = 0; i < plane; ++i) dst[i] = src[i * channels + c] * (1.0f / 255.0f);
  }
}

Tensor to_tensor(const Image& image) {
  Tensor t = empty({image.channels, image.height, image.width});
  to_tensor_into(image, t.data<float>());
  return t;
}

Image from_tensor(const Tensor& chw) {
  check_dim(chw, 3, "from_tensor", "image");
  check_dtype(chw, DType::f32, "from_tensor", "image");
  const Tensor t = chw.contiguous();
  const int channels = static_cast<int>(t.size(0));
  LEUKO_CHECK(channels == 1 || channels == 3,
              "from_tensor: expected 1 or 3 channels [C, H, W], got ", to_string(t.shape()));
  Image image(static_cast<int>(t.size(1)), static_cast<int>(t.size(2)), channels);
  const float* src = t.data<float>();
  const size_t plane = static_cast<size_t>(image.height) * image.width;
  for (int c = 0; c < channels; ++c) {
    for (size_t i = 0; i < plane; ++i) {
      const float v = std::clamp(src[c * plane + i], 0.0f, 1.0f);
      image.pixels[i * channels + c] = static_cast<uint8_t>(std::lround(v * 255.0f));
    }
  }
  return image;
}

}  // namespace leuko::data
