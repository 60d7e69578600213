// sum and mean on the GPU backend, against the CPU. (Their CPU behaviour is tested in
// tests/engine/autograd_test.cpp.) Both kernels of kernels/cuda/reduce.cu are reached:
// reductions that include the innermost dimension (one block per output) and reductions
// that keep it (32 outputs per block, the reduced range split 8 ways).
#include "engine/ops.h"
#include "tests/support/device_compare.h"
#include "tests/support/testing.h"

using namespace leuko;
using namespace leuko::testing;

// The GPU adds in tree order in float, the CPU sequentially in double: they differ by float
// rounding of the partial sums, a few ulps of the result for these sizes.
static const DeviceCompareOptions kSumTolerance{1e-5f, 1e-5f, 1e-5f, 1e-6f};

TEST_CASE("cuda-emu matches the CPU: sum over the innermost dims (one block per output)") {
  Generator g(11);
  const std::vector<std::pair<Shape, std::vector<int64_t>>> cases = {
      {{1000}, {}},             // everything, longer than a block: grid-stride + tree
      {{3, 5, 7}, {2}},         // rows shorter than a warp
      {{2, 3, 9, 11}, {2, 3}},  // spatial planes, merged into one reduced dim
      {{4, 37}, {0, 1}},        // everything of a 2-D tensor
      {{5, 1, 3}, {0, 2}},      // reduced dims around a size-1 dim merge into one
  };
  for (const auto& [shape, dims] : cases) {
    Tensor x = random_input(shape, g);
    for (bool keepdim : {false, true}) {
      check_device_matches_cpu(
          [&](const std::vector<Tensor>& in) { return sum(in[0], dims, keepdim); }, {x},
          "sum " + to_string(shape), kSumTolerance);
    }
  }
}

TEST_CASE("cuda-emu matches the CPU: sum keeping the innermost dim (columns)") {
  Generator g(12);
  const std::vector<std::pair<Shape, std::vector<int64_t>>> cases = {
      {{67, 5}, {0}},          // a bias gradient: sum over the batch
      {{3, 33, 2}, {0}},       // more outputs than one block's 32 columns
      {{4, 3, 5, 6}, {0, 2}},  // reduced and kept dims interleaved
      {{2, 3, 4}, {-2}},       // negative dim
  };
  for (const auto& [shape, dims] : cases) {
    Tensor x = random_input(shape, g);
    check_device_matches_cpu([&](const std::vector<Tensor>& in) { return sum(in[0], dims, false); },
                             {x}, "sum " + to_string(shape), kSumTolerance);
  }
}

TEST_CASE("cuda-emu matches the CPU: mean, and sums of a permuted view and of a scalar") {
  Generator g(13);
  Tensor x = random_input({2, 5, 3, 3}, g);
  check_device_matches_cpu(
      [](const std::vector<Tensor>& in) {
        return mean(in[0], {0, 2, 3}, true);
      },
      {x}, "mean over N, H, W", kSumTolerance);
  check_device_matches_cpu([](const std::vector<Tensor>& in) { return mean(in[0]); }, {x},
                           "mean of everything", kSumTolerance);
  check_device_matches_cpu(
      [](const std::vector<Tensor>& in) {
        return sum(in[0].permute({3, 1, 0, 2}), {1});
      },
      {x}, "sum of a permuted view", kSumTolerance);
  Tensor s = random_input({}, g);
  check_device_matches_cpu([](const std::vector<Tensor>& in) { return sum(in[0]); }, {s},
                           "sum of a 0-d tensor", kSumTolerance);
}

TEST_CASE("cuda-emu: a sum over an empty dimension is 0") {
  const Tensor x = zeros({3, 0}, DType::f32, gpu_test_device());
  CHECK(sum(x, {1}, false).to_vector() == std::vector<float>{0, 0, 0});
}
