// Lower-case hexadecimal of a digest: git's, sha1sum's and sha256sum's spelling.
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace leuko {

template <size_t N>
std::string to_hex(const std::array<uint8_t, N>& digest) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text;
  text.reserve(2 * N);
  for (const uint8_t byte : digest) {
    text += kDigits[byte >> 4];
    text += kDigits[byte & 15];
  }
  return text;
}

}  // namespace leuko
