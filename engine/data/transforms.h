// Image transforms on decoded 8-bit images (engine/data/image.h), the torchvision ones the
// studies use: resize (bilinear with antialias, as PIL's Image.resize(BILINEAR); nearest
// for masks), centre and random crops, random flips, random rotation (nearest, zero fill,
// as PIL's Image.rotate), masking, normalisation of the float tensor that to_tensor makes,
// and a mask as a segmentation target.
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

// Nearest-neighbour resampling (PIL's Image.resize(NEAREST)): every output pixel copies the
// input pixel its centre falls in. For masks: no new values appear between 0 and 255.
Image resize_nearest(const Image& image, int height, int width);

// A height x width window of an image, its top-left corner at (top, left).
struct CropWindow {
  int top = 0, left = 0, height = 0, width = 0;
};
Image crop(const Image& image, const CropWindow& window);

// Cuts the centred height x width window (torchvision's rounding: half to even).
CropWindow center_window(int image_height, int image_width, int height, int width);
Image center_crop(const Image& image, int height, int width);

// A window placed uniformly at random inside an image_height x image_width image
// (torchvision's RandomCrop). Drawing the window apart from cutting it lets an image and
// its mask be cut at the same place.
CropWindow random_window(int image_height, int image_width, int height, int width,
                         Generator& generator);

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

// A grey mask as a segmentation target: 1 where the mask is non-zero (the whole cell:
// segwbc's cytoplasm 128 and nucleus 255), else 0, written to `channels` planes of
// height * width floats (3: the same target for each channel the decoder predicts).
void mask_to_target_into(const Image& mask, float* out, int channels = 3);

// Per-channel statistics for normalisation.
struct ChannelStats {
  std::array<float, 3> mean{0.0f, 0.0f, 0.0f};
  std::array<float, 3> std{1.0f, 1.0f, 1.0f};
};
inline constexpr ChannelStats kImageNetStats{{0.485f, 0.456f, 0.406f}, {0.229f, 0.224f, 0.225f}};

// (x - mean[c]) / std[c] over a [3, H, W] float32 tensor, in place.
void normalize_(const Tensor& chw, const ChannelStats& stats);
void normalize_into(float* chw, int height, int width, const ChannelStats& stats);
// The inverse, x * std[c] + mean[c], as a new [3, H, W] tensor (to show a normalised input
// as a picture).
Tensor denormalize(const Tensor& chw, const ChannelStats& stats);

}  // namespace leuko::data
