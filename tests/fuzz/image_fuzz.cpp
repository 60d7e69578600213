// Fuzzes image decoding as the data pipeline does it: file bytes to RGB (photos) and to
// grey (masks), then to a [C, H, W] tensor. The result is an image or a leuko::Error.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/data/image.h"
#include "engine/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<uint8_t> bytes(data, data + size);
  for (const int channels : {3, 1}) {
    try {
      const leuko::data::Image image = leuko::data::decode_image(bytes, "fuzz input", channels);
      leuko::data::to_tensor(image);
    } catch (const leuko::Error&) {
    }
  }
  return 0;
}
