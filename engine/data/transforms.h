// Image transforms on decoded 8-bit images (engine/data/image.h), the torchvision ones the
// studies use: resize (bilinear with antialias, as PIL's Image.resize(BILINEAR)), centre
// crop, random flips, random rotation (nearest, zero fill, as PIL's Image.rotate), masking,
// and normalisation of the float tensor that to_tensor makes.
#pragma once

#include <array>
#include <string>

#include "engine/data/image.h"
#include "engine/random.h"

namespace leuko::data {

// Bilinear resampling with a triangle filter widened by the scale factor when shrinking
// (antialias), separable: a horizontal pass, then a vertical one, each with per-axis
// weights computed once. Bit-exact with PIL 9's 8-bit fixed-point arithmetic.
Image resize(const Image& image, int height, int width);

// Cuts the centred height x width window (torchvision's rounding: half to even).
Image center_crop(const Image& image, int height, int width);

Image flip_horizontal(const Image& image);  // mirror left-right
Image flip_vertical(const Image& image);    // mirror top-bottom

// Rotates counter-clockwise by `degrees` about the image centre, same size, nearest
// neighbour, pixels from outside the source are 0 (PIL's Image.rotate(NEAREST, expand=False)).
Image rotate(const Image& image, double degrees);

// The random versions draw from `generator`: a flip with probability p, an angle uniform
// in [-max_degrees, max_degrees].
Image random_flip_horizontal(const Image& image, Generator& generator, float p = 0.5f);
Image random_flip_vertical(const Image& image, Generator& generator, float p = 0.5f);
Image random_rotation(const Image& image, Generator& generator, double max_degrees);

// image x binarised mask: pixels where the (grey) mask is 0 become black, the rest are kept.
// The sizes must agree; `what` names the files in the error message.
Image apply_mask(const Image& image, const Image& mask, const std::string& what);

// Per-channel statistics for normalisation.
struct ChannelStats {
  std::array<float, 3> mean{0.0f, 0.0f, 0.0f};
  std::array<float, 3> std{1.0f, 1.0f, 1.0f};
};
inline constexpr ChannelStats kImageNetStats{{0.485f, 0.456f, 0.406f}, {0.229f, 0.224f, 0.225f}};

// (x - mean[c]) / std[c] over a [3, H, W] float32 tensor, in place.
void normalize_(const Tensor& chw, const ChannelStats& stats);
void normalize_into(float* chw, int height, int width, const ChannelStats& stats);

}  // namespace leuko::data
