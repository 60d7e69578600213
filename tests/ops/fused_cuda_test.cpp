// Kernel-level tests of the fused CUDA kernels that have no engine op yet: residual add+ReLU
// and batch-norm normalize+affine+ReLU(+residual). Each launcher of leuko::cuda_emu runs
// under the SIMT emulator on buffers allocated as cuda-emu tensors (new device memory is
// NaN, so an element a kernel never writes fails the comparison), against the composition
// of the CPU ops it replaces, forward and backward (the CPU gradients come from autograd).
#include <algorithm>
#include <cmath>

#include "engine/ops.h"
#include "kernels/cuda/batch_norm_relu.h"
#include "kernels/cuda/residual_add_relu.h"
#include "tests/support/testing.h"

using namespace leuko;
using leuko::testing::check_close;
using leuko::testing::random_input;

static const Device emu = Device::cuda_emu;

// Device memory a launcher writes into: NaN until written.
static Tensor device_output(const Shape& shape) { return empty(shape, DType::f32, emu); }

// A device copy of a CPU tensor, for reading (undefined stays undefined).
static Tensor on_device(const Tensor& t) { return t.defined() ? t.detach().to(emu) : Tensor(); }

static const float* data_or_null(const Tensor& t) {
  return t.defined() ? t.data<float>() : nullptr;
}

TEST_CASE("residual_add_relu: forward and backward match relu(add(a, b)) on the CPU") {
  Generator g(31);
  // 1 element, a block and one, and several blocks with a tail.
  for (const Shape& shape : std::vector<Shape>{{1}, {257}, {3, 5, 7, 11}}) {
    CAPTURE(to_string(shape));
    Tensor a = random_input(shape, g), b = random_input(shape, g);
    const Tensor grad_y = uniform(shape, -1.0f, 1.0f, g);
    Tensor y_cpu = relu(add(a, b));
    y_cpu.backward(grad_y);

    const int64_t n = shape_numel(shape);
    const Tensor a_dev = on_device(a), b_dev = on_device(b), grad_y_dev = on_device(grad_y);
    Tensor y = device_output(shape), grad_ab = device_output(shape);
    cuda_emu::residual_add_relu_forward(a_dev.data<float>(), b_dev.data<float>(), n,
                                        y.data<float>());
    cuda_emu::residual_add_relu_backward(grad_y_dev.data<float>(), y.data<float>(), n,
                                         grad_ab.data<float>());
    // One add and one max or select per element, as on the CPU: exact.
    CHECK(y.device() == Device::cuda_emu);
    check_close(y, y_cpu, 0.0f, 0.0f, "y");
    check_close(grad_ab, a.grad(), 0.0f, 0.0f, "grad_a");
    check_close(grad_ab, b.grad(), 0.0f, 0.0f, "grad_b");
  }
}

// The batch's per-channel mean and inv_std of x [N, C, S...], as the CPU batch_norm computes
// them (sums in double): what a conv kernel would have gathered before bn_relu runs.
struct ChannelStats {
  Tensor mean, inv_std;
};

static ChannelStats batch_statistics(const Tensor& x, float eps) {
  const int64_t N = x.size(0), C = x.size(1), S = x.numel() / (N * C);
  const std::vector<float> v = x.to_vector();
  std::vector<float> mean(C), inv_std(C);
  for (int64_t c = 0; c < C; ++c) {
    double sum = 0.0, sum_sq = 0.0;
    for (int64_t n = 0; n < N; ++n) {
      for (int64_t s = 0; s < S; ++s) {
        const double value = v[(n * C + c) * S + s];
        sum += value;
        sum_sq += value * value;
      }
    }
    const double m = static_cast<double>(N * S), mu = sum / m;
    mean[c] = static_cast<float>(mu);
    inv_std[c] = static_cast<float>(1.0 / std::sqrt(std::max(sum_sq / m - mu * mu, 0.0) + eps));
  }
  return {from_vector(mean, {C}), from_vector(inv_std, {C})};
}

TEST_CASE("bn_relu: forward and backward match relu(batch_norm(x) + residual) on the CPU") {
  Generator g(32);
  const float eps = 1e-5f;
  // Channel sizes m = N*S below, above and not a multiple of the per-channel block, batch 1,
  // 2-D input (S = 1); affine on and off; with and without the residual.
  for (const Shape& shape :
       std::vector<Shape>{{2, 3, 5, 7}, {1, 4, 3, 3}, {2, 2, 13, 11}, {37, 3}}) {
    for (const bool affine : {true, false}) {
      for (const bool with_residual : {true, false}) {
        CAPTURE(to_string(shape));
        CAPTURE(affine);
        CAPTURE(with_residual);
        const int64_t N = shape[0], C = shape[1], S = shape_numel(shape) / (N * C);
        Tensor x = random_input(shape, g, -1.0f, 2.0f);
        Tensor weight = affine ? random_input({C}, g, 0.5f, 1.5f) : Tensor();
        Tensor bias = affine ? random_input({C}, g) : Tensor();
        Tensor residual = with_residual ? random_input(shape, g) : Tensor();
        const Tensor grad_y = uniform(shape, -1.0f, 1.0f, g);

        Tensor normalized = batch_norm(x, weight, bias, Tensor(), Tensor(), true, 0.1f, eps);
        Tensor y_cpu = relu(with_residual ? add(normalized, residual) : normalized);
        y_cpu.backward(grad_y);

        const ChannelStats stats = batch_statistics(x, eps);
        const Tensor x_dev = on_device(x), weight_dev = on_device(weight),
                     bias_dev = on_device(bias), residual_dev = on_device(residual),
                     grad_y_dev = on_device(grad_y), mean_dev = on_device(stats.mean),
                     inv_std_dev = on_device(stats.inv_std);
        Tensor y = device_output(shape), grad_x = device_output(shape);
        Tensor grad_weight = device_output({C}), grad_bias = device_output({C});
        Tensor grad_residual = with_residual ? device_output(shape) : Tensor();
        cuda_emu::bn_relu_forward(x_dev.data<float>(), N, C, S, mean_dev.data<float>(),
                                  inv_std_dev.data<float>(), data_or_null(weight_dev),
                                  data_or_null(bias_dev), data_or_null(residual_dev),
                                  y.data<float>());
        cuda_emu::bn_relu_backward(grad_y_dev.data<float>(), x_dev.data<float>(), y.data<float>(),
                                   N, C, S, mean_dev.data<float>(), inv_std_dev.data<float>(),
                                   data_or_null(weight_dev), grad_x.data<float>(),
                                   grad_weight.data<float>(), grad_bias.data<float>(),
                                   with_residual ? grad_residual.data<float>() : nullptr);

        // The same statistics and per-element formula as the CPU: 1e-5 relative, with an
        // absolute floor for outputs near 0.
        check_close(y, y_cpu, 1e-5f, 1e-6f, "y");
        if (with_residual) check_close(grad_residual, residual.grad(), 0.0f, 0.0f, "grad_residual");
        // Channel sums: float in a tree order here, double on the CPU; grad_x subtracts them
        // from m * dy, so their rounding shows at ~1e-5 of their size: looser.
        check_close(grad_x, x.grad(), 1e-4f, 1e-4f, "grad_x");
        if (affine) {
          check_close(grad_weight, weight.grad(), 1e-4f, 1e-4f, "grad_weight");
          check_close(grad_bias, bias.grad(), 1e-4f, 1e-4f, "grad_bias");
        }

        // Without grad_x (an input that needs no gradient) only pass 1 runs: the same sums.
        Tensor grad_weight_only = device_output({C}), grad_bias_only = device_output({C});
        cuda_emu::bn_relu_backward(
            grad_y_dev.data<float>(), x_dev.data<float>(), y.data<float>(), N, C, S,
            mean_dev.data<float>(), inv_std_dev.data<float>(), data_or_null(weight_dev), nullptr,
            grad_weight_only.data<float>(), grad_bias_only.data<float>(), nullptr);
        check_close(grad_weight_only, grad_weight, 0.0f, 0.0f, "grad_weight without grad_x");
        check_close(grad_bias_only, grad_bias, 0.0f, 0.0f, "grad_bias without grad_x");
      }
    }
  }
}
