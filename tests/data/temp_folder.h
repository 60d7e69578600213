// A fresh folder under the system temp directory for one test, removed when it goes out
// of scope, plus small helpers to fill it with image files and raw bytes.
#pragma once

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "engine/data/image.h"

namespace leuko::testing {

class TempFolder {
 public:
  TempFolder() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("leuko_data_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& relative) const { return path_ / relative; }

 private:
  std::filesystem::path path_;
};

inline void write_bytes(const std::filesystem::path& path, const std::vector<uint8_t>& bytes) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

inline std::vector<uint8_t> read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A height x width image whose pixel (y, x, c) is (y * 31 + x * 7 + c * 50 + seed) mod 256.
inline data::Image pattern_image(int height, int width, int channels = 3, int seed = 0) {
  data::Image image(height, width, channels);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      for (int c = 0; c < channels; ++c)
        image.at(y, x, c) = static_cast<uint8_t>((y * 31 + x * 7 + c * 50 + seed) % 256);
  return image;
}

inline void write_pattern(const std::filesystem::path& path, int height, int width,
                          int channels = 3, int seed = 0) {
  std::filesystem::create_directories(path.parent_path());
  data::write_image(pattern_image(height, width, channels, seed), path);
}

}  // namespace leuko::testing
