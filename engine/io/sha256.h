// SHA-256 (FIPS 180-4). `leuko data fetch` uses it for the deterministic splits its data
// recipes document: files sorted by sha256("<salt>:" + file name).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "engine/io/message_blocks.h"

namespace leuko {

class Sha256 {
 public:
  using Digest = std::array<uint8_t, 32>;

  void update(const void* data, size_t size);
  void update(std::string_view text) { update(text.data(), text.size()); }
  // The digest of everything added; the object is spent afterwards.
  Digest finish();

 private:
  void compress(const uint8_t* block);

  // The first 32 bits of the fractional parts of the square roots of the first 8 primes.
  uint32_t state_[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                        0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  MessageBlocks blocks_;
};

}  // namespace leuko
