// A NaN that reaches a ReLU stays NaN, as PyTorch's relu keeps it: a fault upstream (a NaN
// weight, an overflow) must reach the loss, where training stops and names it, instead of
// vanishing into a zero that looks like an inactive unit. Every op with a ReLU in it, fused
// or not, on the CPU, in the readable reference and on the GPU test device.
#include <cmath>
#include <limits>
#include <vector>

#include "engine/ops.h"
#include "kernels/cpu/activation.h"
#include "kernels/cpu/add_relu.h"
#include "tests/support/testing.h"

using namespace leuko;
using namespace leuko::testing;

namespace {

const float kNaN = std::numeric_limits<float>::quiet_NaN();

// The four pixels of one 2x2 plane: a NaN, a negative, two positives.
const std::vector<float> kPlane{1.0f, kNaN, -1.0f, 2.0f};

// Element 1 is NaN, element 2 is rectified to 0, elements 0 and 3 are positive.
void check_nan_kept(const Tensor& y, const char* op) {
  CAPTURE(op);
  const std::vector<float> v = y.to(Device::cpu).to_vector();
  REQUIRE(v.size() == 4);
  CHECK(v[0] > 0.0f);
  CHECK(std::isnan(v[1]));
  CHECK(v[2] == 0.0f);
  CHECK(v[3] > 0.0f);
}

}  // namespace

TEST_CASE("every ReLU keeps a NaN: relu, add_relu, batch_norm_relu, conv_batch_norm_relu") {
  for (const Device device : {Device::cpu, gpu_test_device()}) {
    CAPTURE(to_string(device));
    const Tensor x = from_vector(kPlane, {1, 1, 2, 2}).to(device);
    const Tensor zero = zeros({1, 1, 2, 2}, DType::f32, device);
    const Tensor one = ones({1}, device), none = zeros({1}, DType::f32, device);
    check_nan_kept(relu(x), "relu");
    check_nan_kept(add_relu(x, zero), "add_relu, NaN in a");
    check_nan_kept(add_relu(zero, x), "add_relu, NaN in b");
    for (const bool training : {false, true}) {
      CAPTURE(training);
      if (!training) {  // training normalises with a NaN mean: the whole channel is NaN
        check_nan_kept(batch_norm_relu(x, one, none, none, ones({1}, device), false),
                       "batch_norm_relu");
        check_nan_kept(conv_batch_norm_relu(x, ones({1, 1, 1, 1}, device), Tensor(), one, none,
                                            none, ones({1}, device), 1, 0, false),
                       "conv_batch_norm_relu");
      }
      // The NaN in the residual, the normalised input finite (a constant channel is 0).
      check_nan_kept(batch_norm_relu(zero, one, none, zeros({1}, DType::f32, device),
                                     ones({1}, device), training, 0.1f, 1e-5f, x),
                     "batch_norm_relu, NaN in the residual");
      check_nan_kept(conv_batch_norm_relu(zero, ones({1, 1, 1, 1}, device), Tensor(), one, none,
                                          zeros({1}, DType::f32, device), ones({1}, device), 1, 0,
                                          training, 0.1f, 1e-5f, x),
                     "conv_batch_norm_relu, NaN in the residual");
    }
  }
}

TEST_CASE("the readable references keep a NaN too") {
  std::vector<float> y(4);
  cpu::reference::relu_forward(kPlane.data(), y.data(), 4);
  check_nan_kept(from_vector(y, {4}), "reference relu");
  const std::vector<float> zero(4, 0.0f);
  cpu::reference::add_relu_forward(kPlane.data(), zero.data(), 4, y.data());
  check_nan_kept(from_vector(y, {4}), "reference add_relu");
}
