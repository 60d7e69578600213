// The conv layers of the WBC net (batch 16, 3x256x256), of the pRCC autoencoder's encoder
// (batch 8, 3x512x512) and of ResNet-18 (batch 32, 3x224x224), as the per-op benchmarks time
// them: each distinct shape once.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/error.h"

namespace leuko::bench {

struct ConvLayer {
  const char* name;
  int64_t batch, in_channels, out_channels, size;  // square input
  int64_t kernel = 3, stride = 1, padding = 1;

  int64_t out_size() const { return (size + 2 * padding - kernel) / stride + 1; }
  int64_t positions() const { return out_size() * out_size(); }
  int64_t column_rows() const { return in_channels * kernel * kernel; }
  // 2 * N * O * K * P: the flops of one pass (forward, input gradient or weight gradient).
  double pass_flops() const { return 2.0 * batch * out_channels * column_rows() * positions(); }
};

inline const std::vector<ConvLayer>& conv_layers() {
  static const std::vector<ConvLayer> layers{
      {"wbc.conv1", 16, 3, 64, 256},
      {"wbc.conv2", 16, 64, 64, 128},
      {"wbc.res1", 16, 64, 64, 64},
      {"wbc.conv3", 16, 64, 32, 64},
      {"wbc.conv4", 16, 32, 16, 32},
      {"wbc.res3", 16, 16, 16, 16},
      {"wbc.head", 16, 16, 8, 16},
      {"ae.enc1", 8, 3, 32, 512},
      {"ae.enc2", 8, 32, 64, 256},
      {"ae.enc3", 8, 64, 128, 128},
      {"r18.conv1", 32, 3, 64, 224, 7, 2, 3},
      {"r18.layer1", 32, 64, 64, 56},
      {"r18.layer2.down", 32, 64, 128, 56, 3, 2, 1},
      {"r18.layer2", 32, 128, 128, 28},
      {"r18.layer2.skip", 32, 64, 128, 56, 1, 2, 0},
      {"r18.layer3.down", 32, 128, 256, 28, 3, 2, 1},
      {"r18.layer3", 32, 256, 256, 14},
      {"r18.layer4.down", 32, 256, 512, 14, 3, 2, 1},
      {"r18.layer4", 32, 512, 512, 7},
      {"r18.layer4.skip", 32, 256, 512, 14, 1, 2, 0},
  };
  return layers;
}

// The layers whose names start with `prefix`, each at `batch` images (0: its own batch); a
// prefix that matches none is an Error naming the layers.
inline std::vector<ConvLayer> selected_layers(const std::string& prefix, int64_t batch) {
  std::vector<ConvLayer> selected;
  std::string names;
  for (ConvLayer layer : conv_layers()) {
    names += (names.empty() ? "" : ", ") + std::string(layer.name);
    if (std::string(layer.name).rfind(prefix, 0) != 0) continue;
    if (batch > 0) layer.batch = batch;
    selected.push_back(layer);
  }
  LEUKO_CHECK(!selected.empty(), "bench: no conv layer's name starts with '", prefix,
              "' (the layers: ", names, ")");
  return selected;
}

}  // namespace leuko::bench
