// `leuko summary`'s numbers (engine/nn/summary.h): every layer's parameters against the
// spec's tables (../shared/spec/models.md), FLOPs against the convolution formula, and the
// per-layer counts adding up to the network's.
#include "engine/nn/summary.h"

#include <map>
#include <string>

#include "engine/random.h"
#include "models/cam16_classifier.h"
#include "models/prcc_autoencoder.h"
#include "models/wbc_net.h"
#include "tests/support/testing.h"

using namespace leuko;

static nn::NetworkSummary summary_of(nn::Module& net, const Shape& input) {
  return nn::summarize(
      net, [&](const Tensor& x) { return net(x); }, rand(input));
}

static std::map<std::string, nn::LayerSummary> by_name(const nn::NetworkSummary& s) {
  std::map<std::string, nn::LayerSummary> rows;
  for (const nn::LayerSummary& row : s.layers) rows[row.name] = row;
  return rows;
}

// 2 * outputs * (in_channels * kh * kw): a convolution's multiply-adds, twice.
static int64_t conv_flops(int64_t out_channels, int64_t out_h, int64_t out_w, int64_t taps) {
  return 2 * out_channels * out_h * out_w * taps;
}

TEST_CASE("summary of the WBC net: the spec's parameters per block, conv FLOPs, totals") {
  models::WbcNet net;
  const nn::NetworkSummary s = summary_of(net, {1, 3, 256, 256});
  auto rows = by_name(s);
  // Spec section 2.2, the "params" column.
  const std::map<std::string, int64_t> spec{{"conv1", 1920}, {"conv2", 37056}, {"res1", 37056},
                                            {"res2", 37056}, {"conv3", 18528}, {"conv4", 4656},
                                            {"res3", 2352},  {"res4", 2352},   {"head_conv", 1160},
                                            {"fc1", 32832},  {"fc2", 520},     {"fc3", 45}};
  int64_t sum = 0;
  for (const auto& [name, params] : spec) {
    CAPTURE(name);
    REQUIRE(rows.count(name) == 1);
    CHECK(rows[name].trainable == params);
    CHECK(rows[name].frozen == 0);
    CHECK(rows[name].depth == 1);
    sum += params;
  }
  CHECK(sum == 175533);
  CHECK(s.trainable == 175533);
  CHECK(s.frozen == 0);
  CHECK(s.layers.front().name.empty());
  CHECK(s.layers.front().type == "WbcNet");
  CHECK(s.output == Shape{1, 5});

  // conv1 convolves 3 -> 64 channels at 256 x 256 (3x3, pad 1) before its pooling.
  CHECK(rows["conv1"].output == Shape{1, 64, 128, 128});
  CHECK(rows["conv1"].flops == conv_flops(64, 256, 256, 3 * 9));
  CHECK(rows["conv1"].type == "ConvBnReluPool");
  CHECK(rows["fc1"].flops == 2 * 512 * 64);
  // The fused block's own conv and bn are not called alone: parameters, no shape.
  CHECK_FALSE(rows["conv1.conv"].called);
  CHECK(rows["conv1.conv"].trainable == 1792);
  CHECK(rows["conv1.conv"].depth == 2);

  // Every FLOP is inside one of the children, and the network's total is their sum.
  int64_t children = 0;
  for (const nn::LayerSummary& row : s.layers) {
    if (row.depth == 1) children += row.flops;
  }
  CHECK(children == s.flops);
  CHECK(s.layers.front().flops == s.flops);
  // Innermost outputs: conv1's 64x128x128 floats among them.
  CHECK(s.activation_bytes >= rows["conv1"].output_bytes);
  CHECK(rows["conv1"].output_bytes == 64 * 128 * 128 * 4);

  // The network's training mode is given back.
  CHECK(net.is_training());
}

TEST_CASE("summary of the pRCC autoencoder and the Camelyon16 classifier: spec counts") {
  models::PrccAutoencoder autoencoder;
  const nn::NetworkSummary prcc = summary_of(autoencoder, {1, 3, 512, 512});
  CHECK(prcc.trainable == 134691);  // spec section 2.3
  auto rows = by_name(prcc);
  CHECK(rows["dec1"].type == "ConvTranspose2d");
  CHECK(rows["dec1"].output == Shape{1, 3, 512, 512});
  // Each of the 32 x 256 x 256 input pixels meets 3 output channels through a 2x2 kernel.
  CHECK(rows["dec1"].flops == conv_flops(32, 256, 256, 3 * 4));

  models::Cam16Classifier cam16(nn::Module::FreezeMode::gradients_only);
  const nn::NetworkSummary cam = summary_of(cam16, {1, 3, 224, 224});
  CHECK(cam.trainable == 77233);  // spec section 2.4: the head
  CHECK(cam.frozen == 11176512);  // the ResNet-18 backbone
  CHECK(by_name(cam)["backbone"].frozen == 11176512);
}

TEST_CASE("summary's table: a row per module, grouped digits, the totals") {
  models::WbcNet net;
  const std::string text = nn::format_summary(summary_of(net, {1, 3, 256, 256}), "wbc_net");
  CHECK(text.find("wbc_net") != std::string::npos);
  CHECK(text.find("conv1.bn") != std::string::npos);
  CHECK(text.find("parameters: 175,533 (175,533 trainable, 0 frozen)") != std::string::npos);
  CHECK(text.find("GFLOPs") != std::string::npos);
  CHECK(text.find(" \n") == std::string::npos);  // no trailing blanks
}
