#include "engine/optim/clip_grad.h"

#include <cmath>
#include <tuple>

#include "tests/support/testing.h"

using namespace leuko;
using namespace leuko::optim;
using namespace leuko::testing;

static Tensor with_grad(const Tensor& grad) {
  Tensor p = zeros(grad.shape());
  p.set_requires_grad(true);
  p.set_grad(grad.clone());
  return p;
}

TEST_CASE("clip_grad_norm_ matches torch for the 2-, 1-, 3- and infinity norms") {
  const SafetensorsFile golden = leuko::testing::load_golden("optim_clip_grad");
  const std::vector<std::tuple<const char*, double, double>> cases = {
      {"norm2", 1.0, 2.0},
      {"norm2_no_clip", 100.0, 2.0},
      {"norm1", 2.0, 1.0},
      {"norm3", 0.5, 3.0},
      {"norm_inf", 0.25, optim::kInfinityNorm}};
  for (const auto& [name, max_norm, norm_type] : cases) {
    CAPTURE(name);
    const std::string prefix = name;
    std::vector<Tensor> params = {with_grad(golden_tensor(golden, prefix + ".g0")),
                                  with_grad(golden_tensor(golden, prefix + ".g1"))};
    const float total = clip_grad_norm_(params, max_norm, norm_type);
    // PyTorch sums in float32 (pairwise), this in double: equal to ~1e-6 relative.
    CHECK(total ==
          doctest::Approx(golden_tensor(golden, prefix + ".total_norm").item()).epsilon(1e-6));
    for (int k = 0; k < 2; ++k) {
      check_close(params[k].grad(), golden_tensor(golden, prefix + ".clipped" + std::to_string(k)),
                  1e-6f, 1e-8f, prefix + " gradient " + std::to_string(k));
    }
  }
}

TEST_CASE("clip_grad_norm_ by hand: a [3, 4] gradient of norm 5 clipped to norm 1") {
  Tensor p = with_grad(from_vector({3.0f, 4.0f}, {2}));
  CHECK(clip_grad_norm_({p}, 1.0) == 5.0f);
  const float factor = static_cast<float>(1.0 / (5.0 + 1e-6));  // PyTorch's 1e-6
  CHECK(p.grad().to_vector() == std::vector<float>{3.0f * factor, 4.0f * factor});
  // Below the limit, the gradients are unchanged.
  Tensor q = with_grad(from_vector({0.3f, 0.4f}, {2}));
  CHECK(clip_grad_norm_({q}, 1.0) == doctest::Approx(0.5f));
  CHECK(q.grad().to_vector() == std::vector<float>{0.3f, 0.4f});
}

TEST_CASE("clip_grad_value_ matches torch, and clamps by hand") {
  const SafetensorsFile golden = leuko::testing::load_golden("optim_clip_grad");
  std::vector<Tensor> params = {with_grad(golden_tensor(golden, "value.g0")),
                                with_grad(golden_tensor(golden, "value.g1"))};
  clip_grad_value_(params, 0.1);
  for (int k = 0; k < 2; ++k) {  // exact: clamping only selects values
    check_close(params[k].grad(), golden_tensor(golden, "value.clipped" + std::to_string(k)), 0.0f,
                0.0f, "gradient " + std::to_string(k));
  }
  Tensor p = with_grad(from_vector({-3.0f, -0.05f, 0.0f, 0.1f, 7.0f}, {5}));
  clip_grad_value_({p}, 0.1);
  CHECK(p.grad().to_vector() == std::vector<float>{-0.1f, -0.05f, 0.0f, 0.1f, 0.1f});
}

TEST_CASE("parameters without a gradient are skipped, none at all gives a norm of 0") {
  Tensor frozen = zeros({3});
  Tensor used = with_grad(from_vector({0.0f, 10.0f}, {2}));
  CHECK(clip_grad_norm_({frozen}, 1.0) == 0.0f);
  CHECK(clip_grad_norm_({frozen, used}, 2.0) == doctest::Approx(10.0f));
  CHECK(used.grad().to_vector()[1] == doctest::Approx(2.0f));
  clip_grad_value_({frozen, used}, 0.5);
  CHECK_FALSE(frozen.grad().defined());
  CHECK(used.grad().to_vector()[1] == 0.5f);
}

TEST_CASE("a large gradient (the multi-threaded path) has the exact norm") {
  Generator g(5);
  const int64_t n = 300001;
  Tensor p = with_grad(uniform({n}, -1, 1, g));
  double expected = 0.0;
  for (float v : p.grad().to_vector()) expected += static_cast<double>(v) * v;
  CHECK(clip_grad_norm_({p}, 1e9) == doctest::Approx(std::sqrt(expected)).epsilon(1e-7));
}

TEST_CASE("non-finite norms: an error on request, otherwise they spread as in PyTorch") {
  Tensor p = with_grad(from_vector({1.0f, NAN}, {2}));
  CHECK_THROWS_WITH_AS(clip_grad_norm_({p}, 1.0, 2.0, true),
                       doctest::Contains("clip_grad_norm_: the total 2-norm of the gradients "
                                         "is nan"),
                       Error);
  CHECK(std::isnan(clip_grad_norm_({p}, 1.0)));
  CHECK(std::isnan(p.grad().to_vector()[0]));
  Tensor q = with_grad(from_vector({1.0f, NAN}, {2}));
  CHECK(std::isnan(clip_grad_norm_({q}, 1.0, optim::kInfinityNorm)));
  Tensor r = with_grad(from_vector({NAN, 5.0f}, {2}));
  clip_grad_value_({r}, 1.0);  // a NaN gradient stays visible
  CHECK(std::isnan(r.grad().to_vector()[0]));
  CHECK(r.grad().to_vector()[1] == 1.0f);
}

TEST_CASE("clipping rejects bad arguments with clear messages") {
  Tensor p = with_grad(ones({2}));
  CHECK_THROWS_WITH_AS(clip_grad_norm_({p}, -1.0),
                       doctest::Contains("clip_grad_norm_: max_norm must be >= 0, got -1"), Error);
  CHECK_THROWS_WITH_AS(clip_grad_norm_({p}, 1.0, 0.0),
                       doctest::Contains("clip_grad_norm_: norm_type must be > 0"), Error);
  CHECK_THROWS_WITH_AS(clip_grad_value_({p}, -0.1),
                       doctest::Contains("clip_grad_value_: clip_value must be >= 0, got -0.1"),
                       Error);
  CHECK_THROWS_WITH_AS(clip_grad_value_({Tensor()}, 0.1), doctest::Contains("clip_grad_value_"),
                       Error);
}

// ---- the CUDA kernels (kernels/cuda/clip_grad.cu) under the SIMT emulator ------------------

// A parameter on `device` whose gradient is a copy of `grad` there.
static Tensor with_grad_on(const Tensor& grad, Device device) {
  Tensor p = zeros(grad.shape(), DType::f32, device);
  p.set_requires_grad(true);
  p.set_grad(grad.to(device));
  return p;
}

TEST_CASE("cuda-emu matches the CPU: every norm over several gradients, then the clipping") {
  // One element, a partial 256-thread block, several blocks with a tail, all folded by one
  // two-stage reduction; once also a gradient past the 1024-partials cap, so that threads
  // stride too (emulated, it costs as much as all the other cases together).
  Generator g(6);
  const std::vector<Shape> shapes = {{1}, {3, 37}, {5, 211}};
  const std::vector<std::tuple<double, double, std::vector<Shape>>> cases = {
      {2.0, 0.5, shapes},         {2.0, 1e9, shapes},  // left alone: factor 1
      {1.0, 0.5, shapes},         {3.0, 0.5, shapes}, {optim::kInfinityNorm, 0.5, shapes},
      {2.0, 0.5, {{7}, {263000}}}};
  for (const auto& [norm_type, max_norm, case_shapes] : cases) {
    CAPTURE(norm_type);
    CAPTURE(max_norm);
    std::vector<Tensor> on_cpu, on_device;
    for (const Shape& shape : case_shapes) {
      const Tensor grad = uniform(shape, -1, 1, g);
      on_cpu.push_back(with_grad(grad));
      on_device.push_back(with_grad_on(grad, leuko::testing::gpu_test_device()));
    }
    const float expected = clip_grad_norm_(on_cpu, max_norm, norm_type);
    const float actual = clip_grad_norm_(on_device, max_norm, norm_type);
    // Both sum in double, in different orders: equal to a float ulp or so.
    CHECK(actual == doctest::Approx(expected).epsilon(1e-6));
    for (size_t k = 0; k < case_shapes.size(); ++k) {
      REQUIRE(on_device[k].grad().device() == leuko::testing::gpu_test_device());
      check_close(on_device[k].grad().to(Device::cpu), on_cpu[k].grad(), 1e-6f, 0.0f,
                  "gradient " + std::to_string(k));
    }
  }
}

TEST_CASE("cuda-emu: clip_grad_value_ matches the CPU exactly, and NaN stays visible") {
  Generator g(7);
  std::vector<float> values = uniform({517}, -2, 2, g).to_vector();
  values[100] = NAN;
  const Tensor grad = from_vector(values, {11, 47});
  Tensor on_cpu = with_grad(grad),
         on_device = with_grad_on(grad, leuko::testing::gpu_test_device());
  clip_grad_value_({on_cpu}, 0.75);
  clip_grad_value_({on_device}, 0.75);
  const std::vector<float> expected = on_cpu.grad().to_vector();
  const std::vector<float> actual = on_device.grad().to_vector();
  CHECK(std::isnan(actual[100]));
  for (size_t i = 0; i < expected.size(); ++i) {
    if (i != 100) CHECK(actual[i] == expected[i]);  // clamping only selects values
  }
}

TEST_CASE("cuda-emu: a NaN gradient makes every norm NaN, and gradients must share a device") {
  for (double norm_type : {2.0, 1.0, 3.0, optim::kInfinityNorm}) {
    CAPTURE(norm_type);
    std::vector<float> values(600, 0.5f);
    values[450] = NAN;  // in the second block, not the first element any thread folds
    Tensor p = with_grad_on(from_vector(values, {600}), leuko::testing::gpu_test_device());
    CHECK(std::isnan(clip_grad_norm_({p}, 1.0, norm_type)));
    CHECK(std::isnan(p.grad().to_vector()[0]));  // spreads, as in PyTorch
  }
  Tensor on_cpu = with_grad(ones({2}));
  Tensor on_device = with_grad_on(ones({2}), Device::cuda_emu);
  CHECK_THROWS_WITH_AS(
      clip_grad_norm_({on_device, on_cpu}, 1.0),
      doctest::Contains("clip_grad_norm_: tensors on different devices (cuda-emu and cpu)"), Error);
}
