// TIFF decoding through libtiff (Debian's libtiff-dev), for MoNuSeg's tissue images, which
// are LZW-compressed RGB TIFFs: stb_image, the project's decoder, reads no TIFF.
#pragma once

#include <filesystem>

#include "engine/data/image.h"

namespace leuko::fetch {

// The image as RGB (any alpha dropped); a file libtiff cannot read is an Error naming it.
data::Image read_tiff_rgb(const std::filesystem::path& path);

}  // namespace leuko::fetch
