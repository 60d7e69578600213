// SHA-1 (FIPS 180-4), the hash git names its objects by: `leuko data fetch` checks every
// downloaded file against the blob id its source repository lists. SHA-1 is broken for
// collision resistance; here it only has to match what git computed, and the listing
// itself is pinned by a tree id in the source code.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "engine/io/message_blocks.h"

namespace leuko {

class Sha1 {
 public:
  using Digest = std::array<uint8_t, 20>;

  void update(const void* data, size_t size);
  void update(std::string_view text) { update(text.data(), text.size()); }
  // The digest of everything added; the object is spent afterwards.
  Digest finish();

 private:
  void compress(const uint8_t* block);

  uint32_t state_[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
  MessageBlocks blocks_;
};

}  // namespace leuko
