#include "engine/optim/sgd.h"

#include "tests/optim/optimizer_golden.h"
#include "tests/support/testing.h"

using namespace leuko;
using namespace leuko::optim;
using namespace leuko::testing;

static MakeOptimizer sgd(SGDOptions options) { return make<SGD>(options); }

// The same float32 formula as torch.optim.SGD; the only differences are rounding (whether a
// multiply-add is fused), a few ulp per step, hence 1e-6 relative (plus 1e-7 absolute for
// elements passing near zero).
static constexpr float kRtol = 1e-6f, kAtol = 1e-7f;

TEST_CASE("SGD matches torch.optim.SGD over 5 steps, for every option") {
  replay_golden_steps("sgd", sgd({.lr = 0.1}), kRtol, kAtol);
  replay_golden_steps("sgd_momentum", sgd({.lr = 0.1, .momentum = 0.9}), kRtol, kAtol);
  replay_golden_steps("sgd_dampening", sgd({.lr = 0.1, .momentum = 0.9, .dampening = 0.5}), kRtol,
                      kAtol);
  replay_golden_steps("sgd_nesterov", sgd({.lr = 0.1, .momentum = 0.9, .nesterov = true}), kRtol,
                      kAtol);
  replay_golden_steps("sgd_weight_decay", sgd({.lr = 0.1, .momentum = 0.9, .weight_decay = 0.05}),
                      kRtol, kAtol);
}

TEST_CASE("SGD with momentum: two steps by hand") {
  Tensor p = from_vector({1.0f, -2.0f}, {2});
  p.set_requires_grad(true);
  SGD optimizer({p}, {.lr = 0.1, .momentum = 0.9, .dampening = 0.5});
  p.set_grad(from_vector({0.5f, 1.0f}, {2}));
  optimizer.step();  // the buffer starts as the gradient itself, undamped
  CHECK(p.to_vector()[0] == doctest::Approx(0.95f));
  CHECK(p.to_vector()[1] == doctest::Approx(-2.1f));
  optimizer.step();  // buf = 0.9 * 0.5 + 0.5 * 0.5 = 0.7;  0.9 * 1 + 0.5 * 1 = 1.4
  CHECK(p.to_vector()[0] == doctest::Approx(0.95f - 0.07f));
  CHECK(p.to_vector()[1] == doctest::Approx(-2.1f - 0.14f));
  CHECK(optimizer.state_dict().count("state.0.momentum_buffer") == 1);
}

TEST_CASE("plain SGD keeps no state") {
  Tensor p = from_vector({1.0f}, {1});
  p.set_requires_grad(true);
  SGD optimizer({p}, {.lr = 0.5});
  p.set_grad(from_vector({2.0f}, {1}));
  optimizer.step();
  CHECK(p.item() == 0.0f);
  CHECK(optimizer.state_dict().size() == 1);  // only "step"
}

TEST_CASE("SGD rejects bad settings with clear messages") {
  Tensor p = zeros({2});
  p.set_requires_grad(true);
  CHECK_THROWS_WITH_AS(SGD({p}, {.lr = -0.1}), doctest::Contains("SGD: lr must be > 0, got -0.1"),
                       Error);
  CHECK_THROWS_WITH_AS(SGD({p}, {.lr = 0.1, .momentum = -1}),
                       doctest::Contains("SGD: momentum must be >= 0, got -1"), Error);
  CHECK_THROWS_WITH_AS(SGD({p}, {.lr = 0.1, .weight_decay = -1}),
                       doctest::Contains("SGD: weight_decay must be >= 0"), Error);
  CHECK_THROWS_WITH_AS(SGD({p}, {.lr = 0.1, .nesterov = true}),
                       doctest::Contains("nesterov momentum needs momentum > 0 and dampening 0"),
                       Error);
  CHECK_THROWS_WITH_AS(SGD({p}, {.lr = 0.1, .momentum = 0.9, .dampening = 0.1, .nesterov = true}),
                       doctest::Contains("nesterov"), Error);
  CHECK_THROWS_WITH_AS(SGD({}, {.lr = 0.1}),
                       doctest::Contains("SGD: no parameters to optimize (are they all frozen?)"),
                       Error);
}

// Sizes around the CUDA kernel's 256-thread blocks: one element, a partial block, a 3-D
// parameter, and two blocks with a tail.
static const std::vector<Shape> kDeviceShapes = {{1}, {37}, {3, 5, 7}, {300}};

TEST_CASE("cuda-emu matches the CPU over several steps, for every option") {
  // The same float formula in the same order on both: kRtol / kAtol leave room for fused
  // multiply-adds placed differently by the two compilations.
  for (const SGDOptions& options :
       {SGDOptions{.lr = 0.1}, SGDOptions{.lr = 0.1, .weight_decay = 0.01},
        SGDOptions{.lr = 0.05, .momentum = 0.9, .dampening = 0.1, .weight_decay = 0.01},
        SGDOptions{.lr = 0.05, .momentum = 0.9, .weight_decay = 1e-3, .nesterov = true}}) {
    CAPTURE(options.momentum);
    CAPTURE(options.nesterov);
    leuko::testing::check_device_matches_cpu(sgd(options), kDeviceShapes,
                                             leuko::testing::gpu_test_device(), 4, kRtol, kAtol);
  }
}

TEST_CASE("a gradient on another device than its parameter is a clear error") {
  Tensor p = zeros({3}, DType::f32, Device::cuda_emu);
  p.set_requires_grad(true);
  SGD optimizer({p}, {.lr = 0.1});
  p.set_grad(ones({3}));
  CHECK_THROWS_WITH_AS(optimizer.step(),
                       doctest::Contains("SGD: tensors on different devices (cuda-emu and cpu)"),
                       Error);
}
