// The whole CUDA backend, run by the SIMT emulator, trains like the CPU backend: a few Adam
// steps of a small CNN with a cross-entropy term and an SSIM term give the same losses and
// gradients on cuda-emu as on the CPU (within 1e-4 relative).
#include <map>

#include "engine/data/synthetic.h"
#include "engine/ops.h"
#include "engine/optim/adam.h"
#include "models/tiny_cnn.h"
#include "tests/support/testing.h"

using namespace leuko;

namespace {

struct Step {
  float loss;
  std::map<std::string, Tensor> grads;  // on the CPU
};

// `steps` Adam steps on `device`, from the same initial weights and data. The loss adds to
// the classifier's cross-entropy an SSIM loss between the images and a learned per-channel
// scaling of them, so the SSIM kernels are in the graph too.
std::vector<Step> train(Device device, int steps) {
  manual_seed(21);
  models::TinyCnn net;
  net.to(device);
  Tensor scale = full({1, 3, 1, 1}, 0.7f, device);
  scale.set_requires_grad(true);
  std::vector<Tensor> params = net.parameters();
  params.push_back(scale);
  optim::Adam optimizer(params, {.lr = 1e-2});
  Generator data(5);
  std::vector<Step> history;
  for (int i = 0; i < steps; ++i) {
    const data::Batch batch = data::synthetic_batch(4, 16, data);
    const Tensor images = batch.images.to(device);
    Tensor loss = cross_entropy(net(images), batch.labels.to(device)) +
                  ssim_loss(images * scale, images);
    loss.backward();
    Step step{loss.item(), {}};
    for (const auto& [name, p] : net.named_parameters()) step.grads[name] = p.grad().to(Device::cpu);
    step.grads["scale"] = scale.grad().to(Device::cpu);
    history.push_back(step);
    optimizer.step();
    optimizer.zero_grad();
  }
  return history;
}

}  // namespace

TEST_CASE("a small CNN with CE and SSIM losses trains the same on cuda-emu as on the CPU") {
  const int steps = 3;
  const std::vector<Step> cpu = train(Device::cpu, steps);
  const std::vector<Step> emulated = train(testing::gpu_test_device(), steps);
  for (int i = 0; i < steps; ++i) {
    CAPTURE(i);
    CHECK(emulated[i].loss == doctest::Approx(cpu[i].loss).epsilon(1e-4));
    for (const auto& [name, grad] : cpu[i].grads) {
      // Summation orders differ between the CPU and CUDA kernels (GEMM tiles, block
      // reductions): 1e-4 relative, plus 1e-6 absolute for gradients that nearly cancel.
      testing::check_close(emulated[i].grads.at(name), grad, 1e-4f, 1e-6f,
                           "step " + std::to_string(i) + " grad of " + name);
    }
  }
}
