// The framing SHA-1 and SHA-256 share (FIPS 180-4, section 5): the message is cut into
// 64-byte blocks, each fed to the hash's compression function, and the last one is padded
// with a 1 bit, zeros, and the message length in bits as a big-endian 64-bit number.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace leuko {

class MessageBlocks {
 public:
  static constexpr size_t kBlockBytes = 64;

  // Calls compress(const uint8_t* block) for every block that `data` completes.
  template <typename Compress>
  void add(const void* data, size_t size, Compress&& compress) {
    const auto* bytes = static_cast<const uint8_t*>(data);
    total_bytes_ += size;
    while (size > 0) {
      const size_t take = size < kBlockBytes - used_ ? size : kBlockBytes - used_;
      std::memcpy(block_ + used_, bytes, take);
      used_ += take;
      bytes += take;
      size -= take;
      if (used_ == kBlockBytes) {
        compress(block_);
        used_ = 0;
      }
    }
  }

  // Pads and compresses the last block (or two, when the length does not fit after the data).
  template <typename Compress>
  void finish(Compress&& compress) {
    const uint64_t bit_length = total_bytes_ * 8;
    const uint8_t one_bit = 0x80;
    add(&one_bit, 1, compress);
    const uint8_t zero = 0;
    while (used_ != kBlockBytes - 8) add(&zero, 1, compress);
    uint8_t length[8];
    for (int i = 0; i < 8; ++i) length[i] = static_cast<uint8_t>(bit_length >> (56 - 8 * i));
    add(length, 8, compress);
  }

 private:
  uint8_t block_[kBlockBytes] = {};
  size_t used_ = 0;
  uint64_t total_bytes_ = 0;
};

// Reads the big-endian 32-bit word at `p`: both hashes read their blocks this way.
inline uint32_t load_big_endian32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

inline uint32_t rotate_left(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }
inline uint32_t rotate_right(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

}  // namespace leuko
