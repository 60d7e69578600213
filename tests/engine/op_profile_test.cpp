// ProfileOps (engine/op_profile.h), what `leuko profile` is built on: one event per forward op
// and per backward node, forward events tiling the forward pass, FLOPs from the ops.
#include "engine/op_profile.h"

#include "engine/autograd.h"
#include "engine/ops.h"
#include "engine/random.h"
#include "tests/support/testing.h"

using namespace leuko;
using namespace leuko::testing;

TEST_CASE("ProfileOps: an event per op and node, forward events end to end, conv FLOPs") {
  Generator g(7);
  const Tensor x = random_input({2, 3, 9, 7}, g), w = random_input({4, 3, 3, 3}, g),
               b = random_input({4}, g);
  ProfileOps profile(Device::cpu);
  const double begin = profile.mark();
  const Tensor loss = sum(relu(conv2d(x, w, b, {1, 1}, {1, 1})));
  const double forward_done = profile.now();
  loss.backward();
  const double end = profile.now();

  const std::vector<ProfileOps::Event>& events = profile.events();
  std::vector<ProfileOps::Event> forward, backward;
  for (const ProfileOps::Event& e : events) (e.backward ? backward : forward).push_back(e);
  // sum(t) reshapes t to one row (an op of its own), then sums t: four forward ops; the
  // reshape's node is not on the loss's path, so three backward nodes.
  REQUIRE(forward.size() == 4);
  REQUIRE(backward.size() == 3);
  CHECK(forward[0].op == "conv2d");
  CHECK(forward[1].op == "relu");
  CHECK(forward[3].op == "sum");
  CHECK(backward[0].op == "sum");  // consumers first
  CHECK(backward[2].op == "conv2d");

  // 2 x (2 * 4 * 9 * 7 outputs) x (3 * 3 * 3 taps); its backward twice that; none elsewhere.
  const int64_t conv = 2 * (2 * 4 * 9 * 7) * (3 * 3 * 3);
  CHECK(forward[0].flops == conv);
  CHECK(backward[2].flops == 2 * conv);
  CHECK(forward[1].flops == 0);
  // relu reads and writes 2 x 4 x 9 x 7 floats.
  CHECK(forward[1].bytes == 2 * (2 * 4 * 9 * 7) * 4);

  // The forward events tile [begin, forward_done): each starts where the one before ended.
  CHECK(forward[0].start >= begin);
  for (size_t i = 1; i < forward.size(); ++i) {
    CHECK(forward[i].start == forward[i - 1].start + forward[i - 1].seconds);
  }
  CHECK(forward.back().start + forward.back().seconds <= forward_done);
  // Backward events do not overlap and lie inside the backward pass.
  for (size_t i = 0; i < backward.size(); ++i) {
    CHECK(backward[i].seconds >= 0.0);
    CHECK(backward[i].start >= forward_done);
    CHECK(backward[i].start + backward[i].seconds <= end);
    if (i > 0) CHECK(backward[i].start >= backward[i - 1].start + backward[i - 1].seconds);
  }
  double total = 0;
  for (const ProfileOps::Event& e : events) total += e.seconds;
  CHECK(total <= end - begin);
}

TEST_CASE("ProfileOps: nothing is recorded without one, and a view moves no bytes") {
  Generator g(8);
  const Tensor x = random_input({4, 6}, g);
  sum(relu(x)).backward();  // no ProfileOps alive: nothing to see, nothing breaks
  ProfileOps profile(Device::cpu);
  profile.mark();
  const Tensor y = x.reshape({6, 4});
  REQUIRE(profile.events().size() == 1);
  CHECK(profile.events()[0].op == "reshape");
  CHECK(profile.events()[0].bytes == 0);
  {
    const NoGradGuard no_grad;  // ops under no_grad record nothing, so are not events
    relu(x);
  }
  CHECK(profile.events().size() == 1);
}
