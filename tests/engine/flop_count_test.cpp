// engine/flop_count.h: every op that counts its FLOPs adds what its forward computes, 2 per
// multiply-add, on the CPU and on the test device (where conv_batch_norm_relu runs its own
// fused node instead of the CPU's conv2d + batch_norm_relu); counters nest.
#include "engine/flop_count.h"

#include "engine/autograd.h"
#include "engine/ops.h"
#include "engine/random.h"
#include "tests/support/testing.h"

using namespace leuko;
using namespace leuko::testing;

// The FLOPs `run` adds to a fresh counter.
template <typename Run>
static int64_t flops_of(Run run) {
  const CountFlops count;
  run();
  return count.total();
}

TEST_CASE("each counting op adds 2 x its multiply-adds, on the CPU and on the test device") {
  Generator g(3);
  for (const Device device : {Device::cpu, gpu_test_device()}) {
    CAPTURE(to_string(device));
    const NoGradGuard no_grad;
    const Tensor x = uniform({2, 3, 9, 7}, -1, 1, g).to(device);
    const Tensor w = uniform({4, 3, 3, 3}, -1, 1, g).to(device);
    const Tensor b = uniform({4}, -1, 1, g).to(device);
    // conv2d 3 -> 4 channels, 3x3, stride 2, pad 1: 5 x 4 outputs a channel, 27 taps each.
    const int64_t conv = 2 * (2 * 4 * 5 * 4) * (3 * 3 * 3);
    CHECK(flops_of([&] { conv2d(x, w, b, 2, 1); }) == conv);
    // conv_transpose2d 3 -> 4 channels, 3x3, stride 2: each input pixel meets 4 x 9 taps.
    const Tensor wt = uniform({3, 4, 3, 3}, -1, 1, g).to(device);
    CHECK(flops_of([&] { conv_transpose2d(x, wt, Tensor(), 2); }) == 2 * (2 * 3 * 9 * 7) * (4 * 9));
    // The fused conv + BN + ReLU counts its convolution once, in training and in eval.
    const Tensor ones4 = ones({4}, device), mean = zeros({4}, DType::f32, device),
                 var = ones({4}, device);
    for (const bool training : {true, false}) {
      CAPTURE(training);
      CHECK(flops_of([&] { conv_batch_norm_relu(x, w, b, ones4, b, mean, var, 2, 1, training); }) ==
            conv);
    }
    const Tensor features = uniform({5, 6}, -1, 1, g).to(device);
    const Tensor fc = uniform({7, 6}, -1, 1, g).to(device);
    CHECK(flops_of([&] { linear(features, fc); }) == 2 * 5 * 6 * 7);
    const Tensor right = uniform({6, 8}, -1, 1, g).to(device);
    CHECK(flops_of([&] { matmul(features, right); }) == 2 * 5 * 6 * 8);
    CHECK(flops_of([&] { relu(x); }) == 0);  // elementwise: not counted
  }
}

TEST_CASE("CountFlops: counts reach every enclosing counter, and stop when it ends") {
  Generator g(4);
  const Tensor a = uniform({3, 4}, -1, 1, g), b = uniform({4, 5}, -1, 1, g);
  const CountFlops outer;
  {
    const CountFlops inner;
    matmul(a, b);
    CHECK(inner.total() == 2 * 3 * 4 * 5);
  }
  matmul(a, b);
  CHECK(outer.total() == 2 * 2 * 3 * 4 * 5);
}
