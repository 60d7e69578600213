// What the fuzz targets share: the readers under test take file paths, so each input is
// written to one scratch file per fuzzing process and read back from there.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

namespace leuko::fuzz {

// <tmp>/leuko-fuzz-<pid><extension>: this process's scratch file.
inline std::string scratch_path(const std::string& extension) {
  return (std::filesystem::temp_directory_path() /
          ("leuko-fuzz-" + std::to_string(getpid()) + extension))
      .string();
}

// Writes the input to the scratch file and returns its path.
inline std::string write_input(const uint8_t* data, size_t size, const std::string& extension) {
  const std::string path = scratch_path(extension);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return path;
}

}  // namespace leuko::fuzz
