#include <cmath>

#include "engine/error.h"
#include "engine/ops.h"
#include "engine/random.h"
#include "tests/support/device_compare.h"
#include "tests/support/testing.h"

using namespace leuko;
using namespace leuko::testing;

TEST_CASE("statistics: about 1 - p of the values are kept, each scaled by 1 / (1 - p)") {
  Generator g(41);
  const int64_t n = 200000;
  for (float p : {0.1f, 0.3f, 0.5f, 0.9f}) {
    CAPTURE(p);
    const std::vector<float> y = dropout(ones({n}), p, true, g).to_vector();
    int64_t kept = 0;
    bool scaled = true;
    for (float v : y) {
      if (v != 0.0f) {
        ++kept;
        scaled = scaled && v == 1.0f / (1.0f - p);
      }
    }
    CHECK(scaled);
    // The kept count is Binomial(n, 1 - p): 5 standard deviations is at most ~0.6% of n.
    const double sigma = std::sqrt(n * p * (1.0 - p));
    CHECK(std::fabs(kept - n * (1.0 - p)) < 5.0 * sigma);
  }
}

TEST_CASE("the same seed gives the same mask, successive calls give new masks") {
  Tensor x = ones({4, 257});
  Generator g(42);
  const std::vector<float> first = dropout(x, 0.5f, true, g).to_vector();
  const std::vector<float> second = dropout(x, 0.5f, true, g).to_vector();
  CHECK(first != second);
  g.manual_seed(42);
  CHECK(dropout(x, 0.5f, true, g).to_vector() == first);
  Generator other(43);
  CHECK(dropout(x, 0.5f, true, other).to_vector() != first);
}

TEST_CASE("eval mode and p = 0 are the identity, p = 1 drops everything") {
  Generator g(44);
  Tensor x = random_input({3, 5}, g);
  CHECK(dropout(x, 0.5f, false, g).is_same(x));
  CHECK(dropout(x, 0.0f, true, g).is_same(x));
  Tensor dropped = dropout(x, 1.0f, true, g);
  CHECK(dropped.to_vector() == std::vector<float>(15, 0.0f));
  dropped.backward(ones({3, 5}));
  CHECK(x.grad().to_vector() == std::vector<float>(15, 0.0f));
}

TEST_CASE("backward applies the forward's mask and scale") {
  Generator g(45);
  Tensor x = ones({1000});
  x.set_requires_grad(true);
  Tensor y = dropout(x, 0.25f, true, g);
  sum(y).backward();
  CHECK(x.grad().to_vector() == y.to_vector());  // x = 1: y is mask / (1 - p) itself
}

TEST_CASE("gradcheck: through a generator re-seeded before every call (fixed mask)") {
  Generator data(46);
  for (const Shape& shape : std::vector<Shape>{{3, 4, 5}, {1, 7}, {2, 3, 4, 4}}) {
    CAPTURE(to_string(shape));
    Generator g(0);
    gradcheck(
        [&](const std::vector<Tensor>& v) {
          g.manual_seed(7);
          return dropout(v[0], 0.4f, true, g);
        },
        {random_input(shape, data)});
  }
}

TEST_CASE("a non-contiguous input is masked in its logical order") {
  Generator g(47);
  Tensor x = uniform({6, 5}, 1.0f, 2.0f, g).transpose(0, 1);
  REQUIRE_FALSE(x.is_contiguous());
  g.manual_seed(3);
  const std::vector<float> strided = dropout(x, 0.5f, true, g).to_vector();
  g.manual_seed(3);
  CHECK(dropout(x.contiguous(), 0.5f, true, g).to_vector() == strided);
}

TEST_CASE("bad input is a clear error") {
  Generator g(48);
  CHECK_THROWS_WITH_AS(dropout(ones({3}), -0.1f, true, g),
                       doctest::Contains("dropout: probability p must be in [0, 1], got -0.1"),
                       Error);
  CHECK_THROWS_WITH_AS(dropout(ones({3}), 1.5f, false, g),
                       doctest::Contains("dropout: probability p must be in [0, 1], got 1.5"),
                       Error);
  CHECK_THROWS_WITH_AS(dropout(zeros({3}, DType::i64), 0.5f, true, g),
                       doctest::Contains("dropout: input must be float32"), Error);
}

// ---- GPU backend (kernels/cuda/dropout.cu) ---------------------------------------------

TEST_CASE("cuda-emu: the same seed drops the same elements as on the CPU, forward and backward") {
  const Device device = leuko::testing::gpu_test_device();
  Generator values(61);
  for (float p : {0.1f, 0.5f, 0.9f}) {
    const Tensor x = random_input({3, 5, 37}, values);  // 555 elements: a partial block
    const Tensor x_device = x.detach().to(device).set_requires_grad(true);
    Generator cpu_generator(7), device_generator(7);
    const Tensor y_cpu = dropout(x, p, true, cpu_generator);
    const Tensor y_device = dropout(x_device, p, true, device_generator);
    CHECK(y_device.device() == device);
    // Identical masks and the same single multiply: bit-for-bit equal.
    CHECK(y_device.to_vector() == y_cpu.to_vector());
    const Tensor seed = uniform(x.shape(), -1.0f, 1.0f, values);
    y_cpu.backward(seed);
    y_device.backward(seed.to(device));
    CHECK(x_device.grad().to_vector() == x.grad().to_vector());
  }
}
