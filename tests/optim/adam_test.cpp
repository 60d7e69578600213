#include "engine/optim/adam.h"

#include <cmath>

#include "tests/optim/optimizer_golden.h"
#include "tests/support/testing.h"

using namespace leuko;
using namespace leuko::optim;
using namespace leuko::testing;

static MakeOptimizer adam(AdamOptions options) { return make<Adam>(options); }

static MakeOptimizer adamw(AdamWOptions options) { return make<AdamW>(options); }

// The same float32 formula as torch.optim.Adam/AdamW, with the scalars (bias corrections,
// 1 - beta) computed in double and rounded once as there; what remains is a few ulp per step
// from fused multiply-adds and the order of the division, hence 1e-6 relative (plus 1e-7
// absolute for elements passing near zero).
static constexpr float kRtol = 1e-6f, kAtol = 1e-7f;

TEST_CASE("Adam and AdamW match torch.optim over 5 steps") {
  replay_golden_steps("adam", adam({.lr = 0.01}), kRtol, kAtol);
  replay_golden_steps("adam_weight_decay", adam({.lr = 0.01, .weight_decay = 0.1}), kRtol, kAtol);
  replay_golden_steps("adam_betas", adam({.lr = 0.02, .beta1 = 0.8, .beta2 = 0.99, .eps = 1e-6}),
                      kRtol, kAtol);
  replay_golden_steps("adamw", adamw({.lr = 0.01}), kRtol, kAtol);  // default weight_decay 0.01
  replay_golden_steps("adamw_weight_decay", adamw({.lr = 0.01, .weight_decay = 0.5}), kRtol, kAtol);
}

TEST_CASE("Adam's first step moves each element by lr against its gradient's sign") {
  // Step 1: m / (1 - beta1) = g and sqrt(v / (1 - beta2)) = |g|, so the update is lr g/|g|.
  Tensor p = from_vector({1.0f, 1.0f, 1.0f}, {3});
  p.set_requires_grad(true);
  Adam optimizer({p}, {.lr = 0.01});
  p.set_grad(from_vector({3.0f, -0.001f, 1e4f}, {3}));
  optimizer.step();
  const std::vector<float> v = p.to_vector();
  CHECK(v[0] == doctest::Approx(0.99f).epsilon(1e-6));
  CHECK(v[1] == doctest::Approx(1.01f).epsilon(1e-6));
  CHECK(v[2] == doctest::Approx(0.99f).epsilon(1e-6));
  CHECK(optimizer.state_dict().at("state.0.step").item() == 1.0f);
}

TEST_CASE("AdamW decays the parameter itself, Adam adds the decay to the gradient") {
  // With a zero gradient, AdamW only shrinks: p (1 - lr wd). Adam turns wd p into a gradient,
  // which its normalization turns into a full lr-sized step.
  Tensor a = from_vector({2.0f}, {1}), b = from_vector({2.0f}, {1});
  a.set_requires_grad(true);
  b.set_requires_grad(true);
  AdamW adamw_optimizer({a}, {.lr = 0.1, .weight_decay = 0.5});
  Adam adam_optimizer({b}, {.lr = 0.1, .weight_decay = 0.5});
  a.set_grad(zeros({1}));
  b.set_grad(zeros({1}));
  adamw_optimizer.step();
  adam_optimizer.step();
  CHECK(a.item() == doctest::Approx(2.0f * (1.0f - 0.1f * 0.5f)));
  CHECK(b.item() == doctest::Approx(1.9f));
}

TEST_CASE("betas are settable (OneCycle cycles beta1) and checked") {
  Tensor p = zeros({2});
  p.set_requires_grad(true);
  Adam optimizer({p});
  optimizer.set_betas(0.85, 0.99);
  CHECK(optimizer.beta1() == 0.85);
  CHECK(optimizer.momentum() == 0.85);
  optimizer.set_momentum(0.95);
  CHECK(optimizer.beta1() == 0.95);
  CHECK(optimizer.beta2() == 0.99);
  CHECK_THROWS_WITH_AS(optimizer.set_betas(1.0, 0.999),
                       doctest::Contains("Adam: beta1 must be in [0, 1), got 1"), Error);
  CHECK_THROWS_WITH_AS(Adam({p}, {.beta2 = -0.1}),
                       doctest::Contains("Adam: beta2 must be in [0, 1), got -0.1"), Error);
  CHECK_THROWS_WITH_AS(AdamW({p}, {.beta1 = 1.5}),
                       doctest::Contains("AdamW: beta1 must be in [0, 1), got 1.5"), Error);
  CHECK_THROWS_WITH_AS(Adam({p}, {.lr = 0.0}), doctest::Contains("Adam: lr must be > 0, got 0"),
                       Error);
  CHECK_THROWS_WITH_AS(Adam({p}, {.lr = -1e-3}), doctest::Contains("Adam: lr must be > 0"), Error);
  CHECK_THROWS_WITH_AS(Adam({p}, {.eps = -1.0}), doctest::Contains("Adam: eps must be >= 0"),
                       Error);
  CHECK_THROWS_WITH_AS(AdamW({p}, {.weight_decay = -0.01}),
                       doctest::Contains("AdamW: weight_decay must be >= 0"), Error);
}

TEST_CASE("cuda-emu matches the CPU over several steps: Adam, Adam with L2, AdamW") {
  // Sizes around the CUDA kernel's 256-thread blocks: one element, a partial block, a 3-D
  // parameter, two blocks with a tail. The same float formula in the same order on both:
  // kRtol / kAtol leave room for fused multiply-adds placed differently.
  const std::vector<Shape> shapes = {{1}, {37}, {3, 5, 7}, {300}};
  leuko::testing::check_device_matches_cpu(adam({.lr = 0.01}), shapes,
                                           leuko::testing::gpu_test_device(), 4, kRtol, kAtol);
  leuko::testing::check_device_matches_cpu(
      adam({.lr = 0.02, .beta1 = 0.8, .beta2 = 0.99, .eps = 1e-6, .weight_decay = 0.1}), shapes,
      leuko::testing::gpu_test_device(), 4, kRtol, kAtol);
  leuko::testing::check_device_matches_cpu(adamw({.lr = 0.01, .weight_decay = 0.5}), shapes,
                                           leuko::testing::gpu_test_device(), 4, kRtol, kAtol);
}
