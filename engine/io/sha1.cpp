#include "engine/io/sha1.h"

namespace leuko {

void Sha1::update(const void* data, size_t size) {
  blocks_.add(data, size, [this](const uint8_t* block) { compress(block); });
}

Sha1::Digest Sha1::finish() {
  blocks_.finish([this](const uint8_t* block) { compress(block); });
  Digest digest;
  for (int i = 0; i < 20; ++i)
    digest[i] = static_cast<uint8_t>(state_[i / 4] >> (24 - 8 * (i % 4)));
  return digest;
}

// 80 rounds over a schedule of 80 words expanded from the block's 16 (FIPS 180-4, 6.1.2).
void Sha1::compress(const uint8_t* block) {
  uint32_t w[80];
  for (int t = 0; t < 16; ++t) w[t] = load_big_endian32(block + 4 * t);
  for (int t = 16; t < 80; ++t) w[t] = rotate_left(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);

  uint32_t a = state_[0], b = state_[1], c = state_[2], d = state_[3], e = state_[4];
  for (int t = 0; t < 80; ++t) {
    uint32_t f, k;
    if (t < 20) {
      f = (b & c) | (~b & d);  // "choose"
      k = 0x5A827999;
    } else if (t < 40) {
      f = b ^ c ^ d;  // "parity"
      k = 0x6ED9EBA1;
    } else if (t < 60) {
      f = (b & c) | (b & d) | (c & d);  // "majority"
      k = 0x8F1BBCDC;
    } else {
      f = b ^ c ^ d;
      k = 0xCA62C1D6;
    }
    const uint32_t next = rotate_left(a, 5) + f + e + k + w[t];
    e = d;
    d = c;
    c = rotate_left(b, 30);
    b = a;
    a = next;
  }
  state_[0] += a;
  state_[1] += b;
  state_[2] += c;
  state_[3] += d;
  state_[4] += e;
}

}  // namespace leuko
