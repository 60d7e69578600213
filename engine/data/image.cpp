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
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return bytes;
}

// stb_image decodes a JPEG cut short without complaint, filling the missing part with
// grey. A complete JPEG ends with the EOI marker FF D9 (some writers pad after it), so a
// missing marker means a truncated file.
bool jpeg_has_end_marker(const std::vector<uint8_t>& bytes) {
  const size_t search_from = bytes.size() > 64 ? bytes.size() - 64 : 0;
  for (size_t i = bytes.size(); i-- > search_from + 1;) {
    if (bytes[i - 1] == 0xFF && bytes[i] == 0xD9) return true;
  }
  return false;
}

bool is_jpeg(const std::vector<uint8_t>& bytes) {
  return bytes.size() >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF;
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
  LEUKO_CHECK(channels == 1 || channels == 3, "decode_image: channels must be 1 or 3, got ", channels);
  LEUKO_CHECK(!bytes.empty(), "image ", name, ": the file is empty (expected a JPEG, PNG or BMP image)");
  LEUKO_CHECK(bytes.size() < (size_t{1} << 31), "image ", name, ": the file is ", bytes.size(),
              " bytes (expected an image file under 2 GiB)");
  const int length = static_cast<int>(bytes.size());
  int width = 0, height = 0, file_channels = 0;
  LEUKO_CHECK(stbi_info_from_memory(bytes.data(), length, &width, &height, &file_channels),
              "image ", name, ": not a readable JPEG, PNG or BMP image (", stbi_failure_reason(), ")");
  LEUKO_CHECK(width > 0 && height > 0, "image ", name, ": the image is ", width, "x", height,
              " pixels (expected at least 1x1)");
  LEUKO_CHECK(width <= kMaxImageSide && height <= kMaxImageSide, "image ", name, ": the image is ",
              width, "x", height, " pixels (expected at most ", kMaxImageSide, " per side)");
  LEUKO_CHECK(!is_jpeg(bytes) || jpeg_has_end_marker(bytes), "image ", name,
              ": truncated JPEG (no end-of-image marker; expected a complete file)");

  // stb converts grey, grey+alpha and RGBA to the channel count asked for (alpha dropped,
  // grey replicated; RGB to grey by luminance for masks).
  uint8_t* decoded = stbi_load_from_memory(bytes.data(), length, &width, &height, &file_channels, channels);
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
    out.write(reinterpret_cast<const char*>(encoded.data()), static_cast<std::streamsize>(encoded.size()));
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
  LEUKO_CHECK(channels == 1 || channels == 3, "from_tensor: expected 1 or 3 channels [C, H, W], got ",
              to_string(t.shape()));
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
