// Image: decoded pixels in memory, 8 bits per channel, rows top to bottom, channels
// interleaved (HWC). Photos are always 3-channel RGB (grey and RGBA files are converted);
// masks are 1-channel grey. Decoding goes through stb_image (JPEG, PNG, BMP), and every
// failure becomes one leuko::Error naming the file and what was expected.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/tensor.h"

namespace leuko::data {

struct Image {
  int height = 0;
  int width = 0;
  int channels = 0;             // 3 (RGB) or 1 (grey mask)
  std::vector<uint8_t> pixels;  // height * width * channels

  Image() = default;
  Image(int height_, int width_, int channels_)
      : height(height_),
        width(width_),
        channels(channels_),
        pixels(static_cast<size_t>(height_) * width_ * channels_, 0) {}

  uint8_t* row(int y) { return pixels.data() + static_cast<size_t>(y) * width * channels; }
  const uint8_t* row(int y) const {
    return pixels.data() + static_cast<size_t>(y) * width * channels;
  }
  uint8_t& at(int y, int x, int c) { return row(y)[x * channels + c]; }
  uint8_t at(int y, int x, int c) const { return row(y)[x * channels + c]; }
  size_t bytes() const { return pixels.size(); }
};

// Sizes beyond these are refused before any pixel memory is allocated: a header that
// claims 100000 x 100000 pixels is a broken or hostile file, not a microscopy image, and a
// PNG of under 1 MB can declare 16384 x 16384 pixels (1.75 GB once decoded and converted).
inline constexpr int kMaxImageSide = 16384;
inline constexpr int64_t kMaxImagePixels = int64_t{8192} * 8192;  // 64 Mpixel, 192 MiB as RGB

// True for the file name extensions the decoder accepts (.jpg .jpeg .png .bmp, any case).
bool is_image_file(const std::filesystem::path& path);

// Reads and decodes a file. read_image always returns RGB, read_mask always grey.
Image read_image(const std::filesystem::path& path);
Image read_mask(const std::filesystem::path& path);
// Decodes bytes already in memory; `name` is used in error messages.
Image decode_image(const std::vector<uint8_t>& bytes, const std::string& name, int channels);

// Width and height from the file header alone (no pixel decoding).
struct ImageSize {
  int height = 0;
  int width = 0;
};
ImageSize read_image_size(const std::filesystem::path& path);

// Writes PNG (lossless) or JPEG (quality 1..100), chosen by the extension. Used by the
// synthetic data generator and the tests; written to a temp file, then renamed.
void write_image(const Image& image, const std::filesystem::path& path, int jpeg_quality = 95);

// CHW float32 tensor with values in [0, 1] (torchvision's ToTensor), and back (values
// clamped to [0, 1], times 255, rounded).
Tensor to_tensor(const Image& image);
void to_tensor_into(const Image& image, float* out);  // writes channels*height*width floats
Image from_tensor(const Tensor& chw);

}  // namespace leuko::data
