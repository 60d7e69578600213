#include "engine/optim/rmsprop.h"

#include <cmath>

#include "tests/optim/optimizer_golden.h"
#include "tests/support/testing.h"

using namespace leuko;
using namespace leuko::optim;
using namespace leuko::testing;

static MakeOptimizer rmsprop(RMSpropOptions options) { return make<RMSprop>(options); }

// The same float32 formula as torch.optim.RMSprop; the differences are a few ulp per step from
// fused multiply-adds, hence 1e-6 relative (plus 1e-7 absolute near zero). The first steps
// divide by sqrt(1 - alpha) |g| ~ 0.1 |g|, which magnifies nothing beyond that.
static constexpr float kRtol = 1e-6f, kAtol = 1e-7f;

TEST_CASE("RMSprop matches torch.optim.RMSprop over 5 steps: plain, momentum, centered, all") {
  replay_golden_steps("rmsprop", rmsprop({.lr = 0.01}), kRtol, kAtol);
  replay_golden_steps("rmsprop_momentum", rmsprop({.lr = 0.01, .momentum = 0.9}), kRtol, kAtol);
  replay_golden_steps("rmsprop_centered", rmsprop({.lr = 0.01, .centered = true}), kRtol, kAtol);
  replay_golden_steps("rmsprop_all",
                      rmsprop({.lr = 0.01,
                               .alpha = 0.9,
                               .eps = 1e-6,
                               .weight_decay = 0.1,
                               .momentum = 0.5,
                               .centered = true}),
                      kRtol, kAtol);
}

TEST_CASE("RMSprop's first step by hand") {
  // square_avg = (1 - alpha) g^2, so the step is lr g / (sqrt(1 - alpha) |g| + eps).
  Tensor p = from_vector({0.0f, 0.0f}, {2});
  p.set_requires_grad(true);
  RMSprop optimizer({p}, {.lr = 0.01, .alpha = 0.75});
  p.set_grad(from_vector({4.0f, -0.5f}, {2}));
  optimizer.step();
  CHECK(p.to_vector()[0] == doctest::Approx(-0.02f).epsilon(1e-6));
  CHECK(p.to_vector()[1] == doctest::Approx(0.02f).epsilon(1e-6));
}

TEST_CASE("RMSprop keeps exactly the state its settings need") {
  Tensor p = zeros({3});
  p.set_requires_grad(true);
  RMSprop plain({p});
  RMSprop full({p}, {.momentum = 0.9, .centered = true});
  p.set_grad(ones({3}));
  plain.step();
  full.step();
  const auto plain_state = plain.state_dict(), full_state = full.state_dict();
  CHECK(plain_state.count("state.0.square_avg") == 1);
  CHECK(plain_state.count("state.0.momentum_buffer") == 0);
  CHECK(plain_state.count("state.0.grad_avg") == 0);
  CHECK(full_state.count("state.0.momentum_buffer") == 1);
  CHECK(full_state.count("state.0.grad_avg") == 1);
}

TEST_CASE("RMSprop rejects bad settings with clear messages") {
  Tensor p = zeros({2});
  p.set_requires_grad(true);
  CHECK_THROWS_WITH_AS(RMSprop({p}, {.lr = -1}), doctest::Contains("RMSprop: lr must be > 0"),
                       Error);
  CHECK_THROWS_WITH_AS(RMSprop({p}, {.alpha = 1.5}),
                       doctest::Contains("RMSprop: alpha must be in [0, 1], got 1.5"), Error);
  CHECK_THROWS_WITH_AS(RMSprop({p}, {.eps = -1}), doctest::Contains("RMSprop: eps must be >= 0"),
                       Error);
  CHECK_THROWS_WITH_AS(RMSprop({p}, {.momentum = -0.5}),
                       doctest::Contains("RMSprop: momentum must be >= 0"), Error);
}

TEST_CASE("cuda-emu matches the CPU over several steps: plain, momentum, centered, all") {
  // Sizes around the CUDA kernel's 256-thread blocks: one element, a partial block, a 3-D
  // parameter, two blocks with a tail. The same float formula in the same order on both:
  // kRtol / kAtol leave room for fused multiply-adds placed differently.
  const std::vector<Shape> shapes = {{1}, {37}, {3, 5, 7}, {300}};
  for (const RMSpropOptions& options :
       {RMSpropOptions{.lr = 0.01}, RMSpropOptions{.lr = 0.01, .momentum = 0.9},
        RMSpropOptions{.lr = 0.01, .centered = true},
        RMSpropOptions{
            .lr = 0.01, .alpha = 0.9, .weight_decay = 0.1, .momentum = 0.5, .centered = true}}) {
    CAPTURE(options.momentum);
    CAPTURE(options.centered);
    leuko::testing::check_device_matches_cpu(rmsprop(options), shapes,
                                             leuko::testing::gpu_test_device(), 4, kRtol, kAtol);
  }
}
