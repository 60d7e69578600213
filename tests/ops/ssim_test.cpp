#include <algorithm>
#include <cmath>
#include <string>

#include "engine/autograd.h"
#include "engine/error.h"
#include "engine/ops.h"
#include "kernels/cpu/ssim.h"
#include "tests/support/device_compare.h"
#include "tests/support/testing.h"

using namespace leuko;
using namespace leuko::testing;

namespace {

float max_abs(const Tensor& t) {
  float m = 0.0f;
  for (float v : t.to_vector()) m = std::max(m, std::fabs(v));
  return m;
}

// Mean SSIM and its gradients w.r.t. both images by the readable reference
// (kernels/cpu/ssim_reference.cpp: the 11x11 window summed directly, in double).
double reference_ssim(const Tensor& x, const Tensor& y, float data_range) {
  return cpu::reference::ssim_forward(x.data<float>(), y.data<float>(), x.size(0) * x.size(1),
                                      x.size(2), x.size(3), data_range);
}
std::pair<Tensor, Tensor> reference_gradients(const Tensor& x, const Tensor& y, float data_range) {
  Tensor grad_x = zeros(x.shape()), grad_y = zeros(x.shape());
  cpu::reference::ssim_backward(x.data<float>(), y.data<float>(), x.size(0) * x.size(1), x.size(2),
                                x.size(3), data_range, 1.0f, grad_x.data<float>(),
                                grad_y.data<float>());
  return {grad_x, grad_y};
}

// An image in [0,1] and a noisy copy clipped to [0,1]: what an autoencoder's input and its
// reconstruction look like.
std::pair<Tensor, Tensor> image_pair(const Shape& shape, Generator& g) {
  Tensor x = rand(shape, g);
  std::vector<float> noisy = x.to_vector();
  const std::vector<float> noise = randn(shape, g).to_vector();
  for (size_t i = 0; i < noisy.size(); ++i)
    noisy[i] = std::clamp(noisy[i] + 0.2f * noise[i], 0.0f, 1.0f);
  Tensor y = from_vector(noisy, shape);
  x.set_requires_grad(true);
  y.set_requires_grad(true);
  return {x, y};
}

}  // namespace

TEST_CASE("forward value and both gradients match SSIM computed from its definition in double") {
  Generator g(41);
  for (const Shape& shape : std::vector<Shape>{{1, 1, 11, 11}, {1, 2, 13, 12}, {2, 1, 12, 14}}) {
    for (float data_range : {1.0f, 255.0f}) {
      CAPTURE(to_string(shape));
      CAPTURE(data_range);
      auto [x, y] = image_pair(shape, g);
      Tensor value = ssim(x, y, data_range);
      const double expected = reference_ssim(x, y, data_range);
      // float32 moments: ~1e-7 relative error on the value.
      CHECK(value.item() == doctest::Approx(expected).epsilon(1e-6));
      value.backward();
      const auto [expected_x, expected_y] = reference_gradients(x, y, data_range);
      // The gradient sums terms of opposite sign (2x G^T b + y G^T c nearly cancel when y ~ x),
      // so the float32 error is judged against the gradient's scale, not element by element.
      check_close(x.grad(), expected_x, 1e-4f, 1e-4f * max_abs(expected_x), "grad x");
      check_close(y.grad(), expected_y, 1e-4f, 1e-4f * max_abs(expected_y), "grad y");
    }
  }
}

TEST_CASE("gradcheck w.r.t. both images: odd sizes, batch 1, several planes, strided views") {
  Generator g(42);
  auto f = [](float data_range) {
    return [data_range](const std::vector<Tensor>& in) { return ssim(in[0], in[1], data_range); };
  };
  for (const Shape& shape : std::vector<Shape>{{1, 1, 11, 11}, {2, 3, 13, 17}, {1, 2, 15, 11}}) {
    CAPTURE(to_string(shape));
    // Gradients scale as 1 / (number of map positions), and the float32 moments put ~1e-6
    // relative noise on the value, which central differences divide by the step: hence a
    // large step and an atol proportional to the gradients' scale.
    const float positions =
        static_cast<float>(shape[0] * shape[1] * (shape[2] - 10) * (shape[3] - 10));
    gradcheck(f(1.0f), {random_input(shape, g, 0.0f, 1.0f), random_input(shape, g, 0.0f, 1.0f)},
              GradcheckOptions{3e-2f, 2e-2f, 2e-3f / positions});
    // data_range 255 on [0,255] images is the same function scaled: step and atol scale too.
    gradcheck(f(255.0f),
              {random_input(shape, g, 0.0f, 255.0f), random_input(shape, g, 0.0f, 255.0f)},
              GradcheckOptions{3e-2f * 255.0f, 2e-2f, 2e-3f / positions / 255.0f});
  }
  // Stride-2 views along W and H reach the kernel through contiguous(); gradients flow back.
  gradcheck(
      [](const std::vector<Tensor>& in) {
        return ssim(in[0].slice(3, 0, 25, 2), in[1].slice(2, 0, 25, 2), 1.0f);
      },
      {random_input({1, 2, 13, 25}, g, 0.0f, 1.0f), random_input({1, 2, 25, 13}, g, 0.0f, 1.0f)},
      GradcheckOptions{3e-2f, 2e-2f, 2e-3f / 18.0f});
}

TEST_CASE("golden: value, loss and both gradients match the float64 torch reference") {
  for (const char* name : {"ssim_range1", "ssim_range255"}) {
    const float data_range = std::string(name) == "ssim_range1" ? 1.0f : 255.0f;
    const SafetensorsFile golden = load_golden(name);
    for (const char* key : {"1x1x11x11", "2x3x13x17", "1x3x32x24"}) {
      CAPTURE(name);
      CAPTURE(key);
      const std::string k = key;
      Tensor x = golden_tensor(golden, k + "/x").clone().set_requires_grad(true);
      Tensor y = golden_tensor(golden, k + "/y").clone().set_requires_grad(true);
      Tensor value = ssim(x, y, data_range);
      // The same math in float32 moments vs float64: 1e-6 relative on a value near 1.
      check_close(value.reshape({1}), golden_tensor(golden, k + "/ssim"), 1e-6f, 0.0f, "ssim");
      value.backward();
      const Tensor grad_x = golden_tensor(golden, k + "/grad_x");
      const Tensor grad_y = golden_tensor(golden, k + "/grad_y");
      // Cancelling terms in the gradient (see above): errors judged against its scale.
      check_close(x.grad(), grad_x, 1e-4f, 1e-4f * max_abs(grad_x), "grad_x");
      check_close(y.grad(), grad_y, 1e-4f, 1e-4f * max_abs(grad_y), "grad_y");

      // ssim_loss = 1 - ssim: formed in double, it keeps its relative accuracy even at
      // data_range 255 where it is ~1e-3; its gradients are the negated ones.
      x.zero_grad();
      y.zero_grad();
      Tensor loss = ssim_loss(x, y, data_range);
      check_close(loss.reshape({1}), golden_tensor(golden, k + "/loss"), 1e-4f, 0.0f, "loss");
      loss.backward();
      check_close(x.grad(), mul(grad_x, -1.0f), 1e-4f, 1e-4f * max_abs(grad_x), "loss grad_x");
      check_close(y.grad(), mul(grad_y, -1.0f), 1e-4f, 1e-4f * max_abs(grad_y), "loss grad_y");
    }
  }
}

TEST_CASE("identical images: ssim is 1, the loss 0, and the gradient vanishes") {
  Generator g(43);
  for (float data_range : {1.0f, 255.0f}) {
    CAPTURE(data_range);
    Tensor x = random_input({2, 3, 16, 13}, g, 0.0f, 1.0f);
    Tensor y = x.detach().clone().set_requires_grad(true);
    Tensor value = ssim(x, y, data_range);
    CHECK(value.item() == 1.0f);  // l = cs = 1 exactly at every position (see ssim.cpp)
    CHECK(ssim_loss(x, y, data_range).item() == 0.0f);
    value.backward();
    // Zero but for one float rounding where 2x G^T b and y G^T c cancel: measured against
    // the gradient of a noisy pair of the same shape (~1e-7 of it here).
    auto [a, b] = image_pair(x.shape(), g);
    ssim(a, b, data_range).backward();
    const float typical = max_abs(a.grad());
    CHECK(max_abs(x.grad()) < 1e-6f * typical);
    CHECK(max_abs(y.grad()) < 1e-6f * typical);
  }
}

TEST_CASE("ssim is symmetric in its two images, value and gradients") {
  // The gradients of ssim(y, x) come from the other half of the kernel (a_y instead of a_x)
  // but must be the same numbers, since the function is the same.
  Generator g(44);
  auto [x, y] = image_pair({2, 2, 14, 19}, g);
  Tensor xy = ssim(x, y);
  xy.backward();
  const Tensor grad_x = x.grad(), grad_y = y.grad();
  x.zero_grad();
  y.zero_grad();
  Tensor yx = ssim(y, x);
  yx.backward();
  CHECK(xy.item() == yx.item());
  check_close(x.grad(), grad_x, 1e-6f, 1e-6f * max_abs(grad_x), "grad x");
  check_close(y.grad(), grad_y, 1e-6f, 1e-6f * max_abs(grad_y), "grad y");
}

TEST_CASE("only the inputs that require grad get one (the study's frozen input image)") {
  Generator g(45);
  Tensor target = rand({1, 3, 12, 12}, g);
  Tensor reconstruction = random_input({1, 3, 12, 12}, g, 0.0f, 1.0f);
  ssim_loss(target, reconstruction, 255.0f).backward();
  CHECK_FALSE(target.grad().defined());
  REQUIRE(reconstruction.grad().defined());
  CHECK(max_abs(reconstruction.grad()) > 0.0f);
  CHECK_FALSE(ssim(target, target.clone()).requires_grad());
}

TEST_CASE("bad input is a clear error") {
  const Tensor image = zeros({1, 3, 12, 12});
  CHECK_THROWS_WITH_AS(ssim(zeros({3, 12, 12}), zeros({3, 12, 12})),
                       doctest::Contains("ssim: x must be 4-D, got shape [3, 12, 12]"), Error);
  CHECK_THROWS_WITH_AS(
      ssim(image, zeros({1, 3, 12, 13})),
      doctest::Contains("ssim: shapes must match, got [1, 3, 12, 12] and [1, 3, 12, 13]"), Error);
  CHECK_THROWS_WITH_AS(
      ssim(zeros({1, 1, 8, 20}), zeros({1, 1, 8, 20})),
      doctest::Contains("ssim: images must be at least 11x11 for the 11-tap window, got 8x20"),
      Error);
  CHECK_THROWS_WITH_AS(ssim_loss(zeros({1, 1, 20, 10}), zeros({1, 1, 20, 10})),
                       doctest::Contains("ssim_loss: images must be at least 11x11"), Error);
  CHECK_THROWS_WITH_AS(ssim(image, image, 0.0f),
                       doctest::Contains("ssim: data_range must be positive and finite, got 0"),
                       Error);
  CHECK_THROWS_WITH_AS(ssim_loss(image, image, -1.0f),
                       doctest::Contains("data_range must be positive"), Error);
  CHECK_THROWS_WITH_AS(ssim(zeros({1, 1, 12, 12}, DType::i64), zeros({1, 1, 12, 12})),
                       doctest::Contains("ssim: x must be float32, got int64"), Error);
}

// ---- the CUDA kernels (kernels/cuda/ssim.cu) on gpu_test_device() -------------------------
// (the SIMT emulator; the GPU with LEUKO_TEST_GPU=1)

TEST_CASE("cuda-emu matches the CPU: value, loss and both gradients, tiles with tails") {
  // The kernels tile the map in 32 x 8 blocks: 11x11 is one position, 13x17 a corner of one
  // tile, 29x53 (map 19x43) two tiles across and three down, both with ragged edges.
  const Device device = testing::gpu_test_device();
  Generator g(46);
  for (const Shape& shape : std::vector<Shape>{{1, 1, 11, 11}, {2, 3, 13, 17}, {1, 2, 29, 53}}) {
    for (float data_range : {1.0f, 255.0f}) {
      for (bool as_loss : {false, true}) {
        CAPTURE(to_string(shape));
        CAPTURE(data_range);
        CAPTURE(as_loss);
        auto [x, y] = image_pair(shape, g);
        auto f = [&](const Tensor& a, const Tensor& b) {
          return as_loss ? ssim_loss(a, b, data_range) : ssim(a, b, data_range);
        };
        Tensor expected = f(x, y);
        expected.backward();
        Tensor dx = leaf_on(x, device), dy = leaf_on(y, device);
        Tensor value = f(dx, dy);
        CHECK(value.device() == device);
        value.backward();
        // Same float moments with the taps added in the same order, the per-position math in
        // double, only the order of the final sum differs: 1e-6 relative on the value (on the
        // loss ~1e-3 at data_range 255 too, since it is formed in double on both sides).
        CHECK(value.item() == doctest::Approx(expected.item()).epsilon(1e-6));
        // Gradients: the same float passes in the same order; 1e-5 of the gradient's scale
        // allows for fused multiply-adds placed differently by the two compilations.
        REQUIRE(dx.grad().device() == device);
        check_close(dx.grad().to(Device::cpu), x.grad(), 1e-5f, 1e-5f * max_abs(x.grad()),
                    "grad x");
        check_close(dy.grad().to(Device::cpu), y.grad(), 1e-5f, 1e-5f * max_abs(y.grad()),
                    "grad y");
      }
    }
  }
}

TEST_CASE("GPU device: only the input that requires grad gets one, and devices must match") {
  const Device device = testing::gpu_test_device();
  Generator g(47);
  auto [x, y] = image_pair({2, 2, 21, 40}, g);
  Tensor target = x.detach().to(device);  // frozen, as the study's input image
  Tensor reconstruction = leaf_on(y, device);
  ssim_loss(target, reconstruction, 255.0f).backward();
  ssim_loss(x.detach(), y, 255.0f).backward();
  CHECK_FALSE(target.grad().defined());
  REQUIRE(reconstruction.grad().defined());
  check_close(reconstruction.grad().to(Device::cpu), y.grad(), 1e-5f, 1e-5f * max_abs(y.grad()),
              "grad reconstruction");
  const std::string mismatch =
      std::string("ssim: tensors on different devices (") + to_string(device) + " and cpu)";
  CHECK_THROWS_WITH_AS(ssim(target, y.detach()), doctest::Contains(mismatch.c_str()), Error);
}
