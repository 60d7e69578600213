// The conv layers of the WBC net (batch 16, 3x256x256) and of the pRCC autoencoder's
// encoder (batch 8, 3x512x512), as the per-op benchmarks time them: every 3x3 conv with
// padding 1 is listed once per distinct shape.
#pragma once

#include <cstdint>
#include <vector>

namespace leuko::bench {

struct ConvLayer {
  const char* name;
  int64_t batch, in_channels, out_channels, size;  // square input, 3x3, stride 1, padding 1
};

inline const std::vector<ConvLayer>& conv_layers() {
  static const std::vector<ConvLayer> layers{
      {"wbc.conv1", 16, 3, 64, 256},   {"wbc.conv2", 16, 64, 64, 128},
      {"wbc.res1", 16, 64, 64, 64},    {"wbc.conv3", 16, 64, 32, 64},
      {"wbc.conv4", 16, 32, 16, 32},   {"wbc.res3", 16, 16, 16, 16},
      {"wbc.head", 16, 16, 8, 16},     {"ae.enc1", 8, 3, 32, 512},
      {"ae.enc2", 8, 32, 64, 256},     {"ae.enc3", 8, 64, 128, 128},
  };
  return layers;
}

}  // namespace leuko::bench
