// torchvision weights load into leuko's ResNets by name and give torchvision's outputs.
// The files come from scripts/export_torchvision.py, run by a CTest fixture when Debian's
// python3-torchvision is installed (scripts/setup.sh --dev).
#include <cmath>
#include <filesystem>

#include "engine/autograd.h"
#include "engine/io/safetensors.h"
#include "models/resnet.h"
#include "tests/support/testing.h"

using namespace leuko;
using models::ResNet;

static void check_against_torchvision(const std::string& name, ResNet::Depth depth) {
  const std::filesystem::path dir = LEUKO_TORCHVISION_DIR;
  if (!std::filesystem::exists(dir / (name + "_io.safetensors"))) {
    MESSAGE("skipped: ", (dir / name).string(),
            " not exported (install python3-torchvision: "
            "scripts/setup.sh --dev)");
    return;
  }
  ResNet net(depth, 1000);
  const SafetensorsFile weights = load_safetensors((dir / (name + ".safetensors")).string());
  net.load_state_dict(weights.tensors);  // strict: every torchvision key has its place
  const SafetensorsFile io = load_safetensors((dir / (name + "_io.safetensors")).string());
  net.eval();
  NoGradGuard no_grad;
  const Tensor out = net(io.tensors.at("input"));
  // Summation order differs from PyTorch's (im2col + OpenBLAS vs oneDNN) through 18-50
  // layers, so the bound is 1e-4 relative to the output's scale: PyTorch's own float32
  // result for this ResNet-50 differs from its float64 result by 1.2e-4 at a scale of 3.
  const Tensor& expected = io.tensors.at("output_eval");
  REQUIRE(out.shape() == expected.shape());
  float scale = 0.0f;
  for (float v : expected.to_vector()) scale = std::max(scale, std::fabs(v));
  testing::check_close(out, expected, 1e-4f, 1e-4f * scale, name + " eval output");
}

TEST_CASE("torchvision ResNet-18 loads by name and matches its outputs") {
  check_against_torchvision("resnet18", ResNet::Depth::resnet18);
}

TEST_CASE("torchvision ResNet-50 loads by name and matches its outputs") {
  check_against_torchvision("resnet50", ResNet::Depth::resnet50);
}
