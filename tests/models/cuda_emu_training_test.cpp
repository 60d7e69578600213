// The whole CUDA backend, run by the SIMT emulator, trains like the CPU backend: Adam steps
// of a small CNN with a cross-entropy term and an SSIM term give the same losses, gradients
// and updates on cuda-emu as on the CPU.
//
// The two backends run in lockstep: before every step the emulated model gets the CPU
// model's weights, so each comparison is of one well-conditioned computation on identical
// inputs. Letting the two trajectories run apart would compare noise instead: after one Adam
// step every weight has moved by about lr * sign(g), so a gradient element near zero whose
// sign differs in the last bits (summation orders differ between OpenBLAS builds, CPUs and
// the CUDA kernels) moves the weight by 2 lr, and later steps amplify that.
#include <map>

#include "engine/data/synthetic.h"
#include "engine/ops.h"
#include "engine/optim/adam.h"
#include "models/tiny_cnn.h"
#include "tests/support/testing.h"

using namespace leuko;

namespace {

// A model, an extra learned tensor (so that SSIM's backward is exercised through a
// parameter) and Adam over both, on one device.
struct Learner {
  models::TinyCnn net;
  Tensor scale;
  std::unique_ptr<optim::Adam> optimizer;

  explicit Learner(Device device) {
    manual_seed(21);
    net.to(device);
    scale = full({1, 3, 1, 1}, 0.7f, device);
    scale.set_requires_grad(true);
    optimizer = std::make_unique<optim::Adam>(params(), optim::AdamOptions{.lr = 1e-2});
  }

  std::map<std::string, Tensor> named() const {
    std::map<std::string, Tensor> all;
    for (const auto& [name, p] : net.named_parameters()) all[name] = p;
    all["scale"] = scale;
    return all;
  }
  std::vector<Tensor> params() const {
    std::vector<Tensor> all;
    for (const auto& [name, p] : named()) all.push_back(p);
    return all;
  }

  // Forward and backward: the loss adds to the classifier's cross-entropy an SSIM loss
  // between the images and a learned per-channel scaling of them.
  float loss_and_grads(const data::Batch& batch) {
    const Device device = scale.device();
    const Tensor images = batch.images.to(device);
    Tensor loss =
        cross_entropy(net(images), batch.labels.to(device)) + ssim_loss(images * scale, images);
    loss.backward();
    return loss.item();
  }
};

// The largest |gradient| of the model: the scale of the rounding error in its gradients.
float largest_gradient(const Learner& learner) {
  float m = 0.0f;
  for (const auto& [name, p] : learner.named())
    for (float v : p.grad().to_vector()) m = std::max(m, std::fabs(v));
  return m;
}

}  // namespace

TEST_CASE("a small CNN with CE and SSIM losses trains the same on cuda-emu as on the CPU") {
  Learner cpu(Device::cpu), emulated(testing::gpu_test_device());
  Generator data(5);
  for (int step = 0; step < 3; ++step) {
    CAPTURE(step);
    const std::string at = "step " + std::to_string(step) + " ";
    // 1. Same weights on both (the CPU's trajectory is the one followed).
    for (const auto& [name, p] : emulated.named()) p.copy_(cpu.named().at(name));

    // 2. Loss and gradients at those weights. Both sum in different orders (GEMM tiles, block
    //    reductions, OpenBLAS kernels): a float32 sum of n terms reordered differs by up to
    //    about n * 2^-24 times the sum of |terms| (here n is 10^3-10^4: 4 images of 16x16
    //    positions times the taps and channels), far above 2^-24 of the result where terms
    //    cancel. Such an element has no scale of its own (the biases of convolutions followed
    //    by batch norm have a true gradient of exactly 0: what is computed is rounding noise,
    //    ~1e-8, of either sign), so the scale is the model's largest gradient: 1e-4
    //    relative, plus 1e-5 of that (measured worst on an AMD EPYC: 3e-6 of it).
    const data::Batch batch = data::synthetic_batch(4, 16, data);
    const float cpu_loss = cpu.loss_and_grads(batch),
                emulated_loss = emulated.loss_and_grads(batch);
    CHECK(emulated_loss == doctest::Approx(cpu_loss).epsilon(1e-4));
    const float atol = 1e-5f * largest_gradient(cpu);
    for (const auto& [name, p] : cpu.named())
      testing::check_close(emulated.named().at(name).grad().to(Device::cpu), p.grad(), 1e-4f, atol,
                           at + "grad of " + name);

    // 3. The optimizer step on identical gradients: the emulated Adam kernel and the CPU
    //    one then compute the same function of the same inputs, so they differ by a few
    //    float32 roundings of m, v, sqrt and the division: 1e-6 relative of the weight, plus
    //    1e-6 of lr for weights near zero.
    for (auto [name, p] : emulated.named()) p.set_grad(cpu.named().at(name).grad().to(p.device()));
    cpu.optimizer->step();
    emulated.optimizer->step();
    for (const auto& [name, p] : cpu.named())
      testing::check_close(emulated.named().at(name).to(Device::cpu), p, 1e-6f, 1e-8f,
                           at + "weights after Adam: " + name);
    cpu.optimizer->zero_grad();
    emulated.optimizer->zero_grad();
  }
}
