#include "experiments/fetch/tiff_image.h"

#include <tiffio.h>

#include <cstdarg>
#include <cstdio>
#include <memory>
#include <string>

#include "engine/error.h"

namespace leuko::fetch {

namespace {

// libtiff reports through handlers that print to stderr; keep the last error for our
// message instead, and its warnings (unknown tags and the like) to itself.
thread_local std::string last_tiff_error;

void keep_error(const char* module, const char* format, va_list arguments) {
  char text[512];
  std::vsnprintf(text, sizeof text, format, arguments);
  last_tiff_error = module != nullptr ? std::string(module) + ": " + text : text;
}

}  // namespace

data::Image read_tiff_rgb(const std::filesystem::path& path) {
  TIFFSetErrorHandler(keep_error);
  TIFFSetWarningHandler(nullptr);
  last_tiff_error.clear();
  std::unique_ptr<TIFF, void (*)(TIFF*)> tiff(TIFFOpen(path.c_str(), "r"), TIFFClose);
  LEUKO_CHECK(tiff != nullptr, path.string(), ": not a readable TIFF (", last_tiff_error, ")");
  uint32_t width = 0, height = 0;
  TIFFGetField(tiff.get(), TIFFTAG_IMAGEWIDTH, &width);
  TIFFGetField(tiff.get(), TIFFTAG_IMAGELENGTH, &height);
  LEUKO_CHECK(width > 0 && height > 0 && width <= data::kMaxImageSide &&
                  height <= data::kMaxImageSide && int64_t{width} * height <= data::kMaxImagePixels,
              path.string(), ": TIFF of ", width, "x", height, " pixels, expected 1 to ",
              data::kMaxImageSide, " a side");
  // libtiff converts any photometric and compression to 8-bit RGBA words, rows top first.
  std::vector<uint32_t> rgba(size_t{width} * height);
  LEUKO_CHECK(TIFFReadRGBAImageOriented(tiff.get(), width, height, rgba.data(), ORIENTATION_TOPLEFT,
                                        0) == 1,
              path.string(), ": cannot decode the TIFF (", last_tiff_error, ")");
  data::Image image(static_cast<int>(height), static_cast<int>(width), 3);
  for (size_t i = 0; i < rgba.size(); ++i) {
    image.pixels[3 * i + 0] = static_cast<uint8_t>(TIFFGetR(rgba[i]));
    image.pixels[3 * i + 1] = static_cast<uint8_t>(TIFFGetG(rgba[i]));
    image.pixels[3 * i + 2] = static_cast<uint8_t>(TIFFGetB(rgba[i]));
  }
  return image;
}

}  // namespace leuko::fetch
