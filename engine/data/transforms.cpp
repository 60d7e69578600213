#include "engine/data/transforms.h"

#include <algorithm>
#include <cmath>

#include "engine/error.h"

namespace leuko::data {

namespace {

// ---- Resampling weights ------------------------------------------------------------------
// For each output pixel along one axis: the first input pixel it reads and the weights of
// the input pixels it reads, as fixed-point integers (22 fractional bits, PIL's choice:
// 8-bit pixel x weight sums stay inside 32 bits).
constexpr int kPrecisionBits = 22;

struct AxisWeights {
  int taps = 0;                  // weights per output pixel (the widest window)
  std::vector<int> first;        // first input index, per output pixel
  std::vector<int> count;        // used taps, per output pixel
  std::vector<int32_t> weights;  // out_size * taps, zero padded
};

double triangle(double x) {
  x = std::abs(x);
  return x < 1.0 ? 1.0 - x : 0.0;
}

AxisWeights axis_weights(int in_size, int out_size) {
  const double scale = static_cast<double>(in_size) / out_size;
  // Shrinking by `scale` widens the filter by `scale`: every input pixel contributes, which
  // is what "antialias" means (plain bilinear would skip pixels and alias).
  const double filter_scale = std::max(scale, 1.0);
  const double support = 1.0 * filter_scale;
  AxisWeights w;
  w.taps = static_cast<int>(std::ceil(support)) * 2 + 1;
  w.first.resize(out_size);
  w.count.resize(out_size);
  w.weights.assign(static_cast<size_t>(out_size) * w.taps, 0);
  std::vector<double> k(w.taps);
  for (int o = 0; o < out_size; ++o) {
    const double center = (o + 0.5) * scale;  // output pixel centre in input coordinates
    const int lo = std::max(static_cast<int>(center - support + 0.5), 0);
    const int hi = std::min(static_cast<int>(center + support + 0.5), in_size);
    const int n = hi - lo;
    double total = 0.0;
    for (int i = 0; i < n; ++i) {
      k[i] = triangle((i + lo - center + 0.5) / filter_scale);
      total += k[i];
    }
    for (int i = 0; i < n; ++i) {
      const double normalized = total != 0.0 ? k[i] / total : 0.0;
      w.weights[static_cast<size_t>(o) * w.taps + i] =
          static_cast<int32_t>(std::lround(normalized * (1 << kPrecisionBits)));
    }
    w.first[o] = lo;
    w.count[o] = n;
  }
  return w;
}

// Fixed-point sum -> byte, rounding half up (the sums start at one half).
inline uint8_t to_byte(int32_t sum) {
  return static_cast<uint8_t>(std::clamp(sum >> kPrecisionBits, 0, 255));
}

// Horizontal pass: each output pixel is a weighted sum of a window of its row. The
// channel count is a template parameter so the channel loop unrolls (3 interleaved
// channels otherwise defeat the compiler).
template <int kChannels>
void resample_rows_into(const Image& in, const AxisWeights& w, Image& out) {
  for (int y = 0; y < in.height; ++y) {
    const uint8_t* src = in.row(y);
    uint8_t* dst = out.row(y);
    for (int x = 0; x < out.width; ++x) {
      const int32_t* k = &w.weights[static_cast<size_t>(x) * w.taps];
      const uint8_t* window = src + w.first[x] * kChannels;
      int32_t sum[kChannels];
      for (int c = 0; c < kChannels; ++c) sum[c] = 1 << (kPrecisionBits - 1);
      for (int i = 0; i < w.count[x]; ++i) {
        for (int c = 0; c < kChannels; ++c) sum[c] += window[i * kChannels + c] * k[i];
      }
      for (int c = 0; c < kChannels; ++c) dst[x * kChannels + c] = to_byte(sum[c]);
    }
  }
}

Image resample_rows(const Image& in, int width) {
  const AxisWeights w = axis_weights(in.width, width);
  Image out(in.height, width, in.channels);
  if (in.channels == 3) {
    resample_rows_into<3>(in, w, out);
  } else {
    LEUKO_CHECK(in.channels == 1, "resize: expected 1 or 3 channels, got ", in.channels);
    resample_rows_into<1>(in, w, out);
  }
  return out;
}

// Vertical pass: each output row is a weighted sum of whole input rows, so the inner loop
// runs over a contiguous row of width*channels bytes and vectorizes.
Image resample_columns(const Image& in, int height) {
  const AxisWeights w = axis_weights(in.height, height);
  Image out(height, in.width, in.channels);
  const int row_length = in.width * in.channels;
  std::vector<int32_t> sums(row_length);
  for (int y = 0; y < height; ++y) {
    std::fill(sums.begin(), sums.end(), 1 << (kPrecisionBits - 1));
    const int32_t* k = &w.weights[static_cast<size_t>(y) * w.taps];
    for (int i = 0; i < w.count[y]; ++i) {
      const uint8_t* src = in.row(w.first[y] + i);
      const int32_t weight = k[i];
      for (int j = 0; j < row_length; ++j) sums[j] += src[j] * weight;
    }
    uint8_t* dst = out.row(y);
    for (int j = 0; j < row_length; ++j) dst[j] = to_byte(sums[j]);
  }
  return out;
}

}  // namespace

Image resize(const Image& image, int height, int width) {
  LEUKO_CHECK(height > 0 && width > 0, "resize: target size must be positive, got ", height, "x",
              width);
  LEUKO_CHECK(image.height > 0 && image.width > 0, "resize: empty input image (", image.height, "x",
              image.width, ")");
  // Same order as PIL (rows first): the intermediate image is rounded to bytes between the
  // passes, which the bit-exact match depends on. An unchanged axis is an identity pass.
  Image rows = image.width == width ? image : resample_rows(image, width);
  return image.height == height ? rows : resample_columns(rows, height);
}

Image resize_nearest(const Image& image, int height, int width) {
  LEUKO_CHECK(height > 0 && width > 0, "resize_nearest: target size must be positive, got ", height,
              "x", width);
  LEUKO_CHECK(image.height > 0 && image.width > 0, "resize_nearest: empty input image (",
              image.height, "x", image.width, ")");
  // The source column of every output column, computed once: the input pixel under the
  // output pixel's centre, (x + 0.5) * scale, rounded down.
  const double scale_x = static_cast<double>(image.width) / width;
  const double scale_y = static_cast<double>(image.height) / height;
  std::vector<int> source_x(width);
  for (int x = 0; x < width; ++x)
    source_x[x] = std::min(static_cast<int>((x + 0.5) * scale_x), image.width - 1);
  Image out(height, width, image.channels);
  const int channels = image.channels;
  for (int y = 0; y < height; ++y) {
    const uint8_t* src =
        image.row(std::min(static_cast<int>((y + 0.5) * scale_y), image.height - 1));
    uint8_t* dst = out.row(y);
    for (int x = 0; x < width; ++x)
      std::copy_n(src + source_x[x] * channels, channels, dst + x * channels);
  }
  return out;
}

Image crop(const Image& image, const CropWindow& window) {
  LEUKO_CHECK(
      window.height > 0 && window.width > 0 && window.top >= 0 && window.left >= 0 &&
          window.top + window.height <= image.height && window.left + window.width <= image.width,
      "crop: the ", window.height, "x", window.width, " window at (", window.top, ", ", window.left,
      ") must fit inside the image, which is ", image.height, "x", image.width);
  Image out(window.height, window.width, image.channels);
  const size_t row_bytes = static_cast<size_t>(window.width) * image.channels;
  for (int y = 0; y < window.height; ++y) {
    std::copy_n(image.row(window.top + y) + window.left * image.channels, row_bytes, out.row(y));
  }
  return out;
}

CropWindow center_window(int image_height, int image_width, int height, int width) {
  LEUKO_CHECK(height > 0 && width > 0 && height <= image_height && width <= image_width,
              "center_crop: crop ", height, "x", width, " must fit inside the image, which is ",
              image_height, "x", image_width);
  // nearbyint rounds halves to even, like Python's round() in torchvision.
  return {static_cast<int>(std::nearbyint((image_height - height) / 2.0)),
          static_cast<int>(std::nearbyint((image_width - width) / 2.0)), height, width};
}

Image center_crop(const Image& image, int height, int width) {
  return crop(image, center_window(image.height, image.width, height, width));
}

CropWindow random_window(int image_height, int image_width, int height, int width,
                         Generator& generator) {
  LEUKO_CHECK(height > 0 && width > 0 && height <= image_height && width <= image_width,
              "random crop: crop ", height, "x", width, " must fit inside the image, which is ",
              image_height, "x", image_width);
  // Each of the (image - crop + 1) offsets is equally likely; the min() guards the
  // float draw's top end.
  const auto offset = [&](int range) {
    return std::min(static_cast<int>(generator.uniform() * static_cast<float>(range + 1)), range);
  };
  const int top = offset(image_height - height);
  const int left = offset(image_width - width);
  return {top, left, height, width};
}

Image flip_horizontal(const Image& image) {
  Image out(image.height, image.width, image.channels);
  const int channels = image.channels;
  for (int y = 0; y < image.height; ++y) {
    const uint8_t* src = image.row(y);
    uint8_t* dst = out.row(y);
    for (int x = 0; x < image.width; ++x) {
      std::copy_n(src + (image.width - 1 - x) * channels, channels, dst + x * channels);
    }
  }
  return out;
}

Image flip_vertical(const Image& image) {
  Image out(image.height, image.width, image.channels);
  const size_t row_bytes = static_cast<size_t>(image.width) * image.channels;
  for (int y = 0; y < image.height; ++y)
    std::copy_n(image.row(image.height - 1 - y), row_bytes, out.row(y));
  return out;
}

Image rotate(const Image& image, double degrees) {
  // Inverse mapping: for every output pixel centre, find the source point it came from
  // (rotate back about the image centre) and take the nearest source pixel. Rows are y
  // down, so a counter-clockwise turn on screen uses these signs (PIL's affine matrix).
  const double radians = -degrees * M_PI / 180.0;
  const double cos_a = std::cos(radians), sin_a = std::sin(radians);
  const double cx = image.width / 2.0, cy = image.height / 2.0;
  Image out(image.height, image.width, image.channels);  // zero filled
  const int channels = image.channels;
  for (int y = 0; y < image.height; ++y) {
    const double dy = y + 0.5 - cy;
    uint8_t* dst = out.row(y);
    for (int x = 0; x < image.width; ++x) {
      const double dx = x + 0.5 - cx;
      const double sx = cos_a * dx + sin_a * dy + cx;
      const double sy = -sin_a * dx + cos_a * dy + cy;
      const int ix = static_cast<int>(std::floor(sx));
      const int iy = static_cast<int>(std::floor(sy));
      if (ix < 0 || iy < 0 || ix >= image.width || iy >= image.height) continue;
      std::copy_n(image.row(iy) + ix * channels, channels, dst + x * channels);
    }
  }
  return out;
}

Image random_flip_horizontal(const Image& image, Generator& generator, float p) {
  return generator.uniform() < p ? flip_horizontal(image) : image;
}

Image random_flip_vertical(const Image& image, Generator& generator, float p) {
  return generator.uniform() < p ? flip_vertical(image) : image;
}

Image random_rotation(const Image& image, Generator& generator, double max_degrees) {
  const double degrees = -max_degrees + 2.0 * max_degrees * generator.uniform();
  return rotate(image, degrees);
}

Image apply_mask(const Image& image, const Image& mask, const std::string& what) {
  LEUKO_CHECK(mask.channels == 1, what, ": expected a grey (1-channel) mask, got ", mask.channels,
              " channels");
  LEUKO_CHECK(mask.height == image.height && mask.width == image.width, what, ": the mask is ",
              mask.width, "x", mask.height, " pixels but the image is ", image.width, "x",
              image.height, " pixels (expected the same size)");
  Image out = image;
  const size_t pixels = static_cast<size_t>(image.height) * image.width;
  for (size_t i = 0; i < pixels; ++i) {
    if (mask.pixels[i] == 0) std::fill_n(&out.pixels[i * image.channels], image.channels, 0);
  }
  return out;
}

void mask_to_target_into(const Image& mask, float* out, int channels) {
  LEUKO_CHECK(mask.channels == 1, "mask target: expected a grey (1-channel) mask, got ",
              mask.channels, " channels");
  const size_t plane = static_cast<size_t>(mask.height) * mask.width;
  for (size_t i = 0; i < plane; ++i) out[i] = mask.pixels[i] != 0 ? 1.0f : 0.0f;
  for (int c = 1; c < channels; ++c) std::copy_n(out, plane, out + c * plane);
}

void normalize_into(float* chw, int height, int width, const ChannelStats& stats) {
  const size_t plane = static_cast<size_t>(height) * width;
  for (int c = 0; c < 3; ++c) {
    LEUKO_CHECK(stats.std[c] > 0.0f, "normalize: std[", c, "] must be positive, got ",
                stats.std[c]);
    const float mean = stats.mean[c], inv_std = 1.0f / stats.std[c];
    float* p = chw + c * plane;
    for (size_t i = 0; i < plane; ++i) p[i] = (p[i] - mean) * inv_std;
  }
}

void normalize_(const Tensor& chw, const ChannelStats& stats) {
  check_dim(chw, 3, "normalize", "image");
  check_dtype(chw, DType::f32, "normalize", "image");
  LEUKO_CHECK(chw.size(0) == 3 && chw.is_contiguous(),
              "normalize: expected a contiguous [3, H, W] image, got ", to_string(chw.shape()));
  normalize_into(chw.data<float>(), static_cast<int>(chw.size(1)), static_cast<int>(chw.size(2)),
                 stats);
}

Tensor denormalize(const Tensor& chw, const ChannelStats& stats) {
  check_dim(chw, 3, "denormalize", "image");
  LEUKO_CHECK(chw.size(0) == 3, "denormalize: expected a [3, H, W] image, got ",
              to_string(chw.shape()));
  check_dtype(chw, DType::f32, "denormalize", "image");
  Tensor out = chw.to(Device::cpu).clone();  // a contiguous copy: the input stays as it is
  const int64_t plane = out.size(1) * out.size(2);
  float* p = out.data<float>();
  for (int c = 0; c < 3; ++c)
    for (int64_t i = 0; i < plane; ++i)
      p[c * plane + i] = p[c * plane + i] * stats.std[c] + stats.mean[c];
  return out;
}

}  // namespace leuko::data
