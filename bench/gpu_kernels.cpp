// GPU benchmark of the project's own convolution and GEMM kernels against cuDNN and cuBLAS
// on a real GPU (Device::cuda), through the engine's ops, so it measures what training
// runs. For each convolution shape: conv2d forward, and forward + backward (input, weight
// and bias gradients), with each algorithm (engine/cuda_options.h); for each GEMM shape:
// matmul with each. Reports the median milliseconds, GFLOP/s, and the largest difference
// between the two algorithms' outputs relative to the output's largest magnitude.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench/benchmarks.h"
#include "engine/autograd.h"
#include "engine/cuda_options.h"
#include "engine/error.h"
#include "engine/ops.h"
#include "engine/random.h"
#if LEUKO_WITH_CUDA
#include "kernels/cuda/runtime.h"
#endif

namespace leuko::bench {

#if LEUKO_WITH_CUDA

namespace {

// Median milliseconds of `work` over enough calls to fill ~0.3 s (at least 5), after two
// warm-up calls (cuDNN picks its algorithms on the first call of a shape).
double median_ms(const std::function<void()>& work) {
  using clock = std::chrono::steady_clock;
  for (int i = 0; i < 2; ++i) work();
  cuda::synchronize();
  std::vector<double> samples;
  const auto start = clock::now();
  while (samples.size() < 5 ||
         (clock::now() - start < std::chrono::milliseconds(300) && samples.size() < 200)) {
    const auto begin = clock::now();
    work();
    cuda::synchronize();
    samples.push_back(std::chrono::duration<double, std::milli>(clock::now() - begin).count());
  }
  std::sort(samples.begin(), samples.end());
  return samples[samples.size() / 2];
}

// max |a - b| / max |b|: how far the project's kernel is from the vendor library.
double relative_difference(const Tensor& a, const Tensor& b) {
  const std::vector<float> x = a.to_vector(), y = b.to_vector();
  double largest = 0.0, difference = 0.0;
  for (size_t i = 0; i < x.size(); ++i) {
    largest = std::max(largest, std::fabs(static_cast<double>(y[i])));
    difference = std::max(difference, std::fabs(static_cast<double>(x[i]) - y[i]));
  }
  return largest > 0.0 ? difference / largest : difference;
}

struct ConvCase {
  const char* name;
  int64_t batch, in_channels, size, out_channels, kernel, stride, padding;
};

nlohmann::json bench_conv(const ConvCase& c) {
  Generator g(7);
  const Tensor x = uniform({c.batch, c.in_channels, c.size, c.size}, -1.0f, 1.0f, g)
                       .to(Device::cuda)
                       .set_requires_grad(true);
  const Tensor w = uniform({c.out_channels, c.in_channels, c.kernel, c.kernel}, -0.1f, 0.1f, g)
                       .to(Device::cuda)
                       .set_requires_grad(true);
  const Tensor b =
      uniform({c.out_channels}, -0.1f, 0.1f, g).to(Device::cuda).set_requires_grad(true);
  const int64_t out = (c.size + 2 * c.padding - c.kernel) / c.stride + 1;
  const double forward_flops =
      2.0 * c.batch * c.out_channels * out * out * c.in_channels * c.kernel * c.kernel;
  const Tensor grad_y =
      uniform({c.batch, c.out_channels, out, out}, -1.0f, 1.0f, g).to(Device::cuda);

  nlohmann::json result{{"shape", c.name}};
  Tensor outputs[2];
  const ConvAlgorithm algorithms[2] = {ConvAlgorithm::cudnn, ConvAlgorithm::implicit_gemm};
  const char* names[2] = {"cudnn", "implicit_gemm"};
  for (int a = 0; a < 2; ++a) {
    set_cuda_conv_algorithm(algorithms[a]);
    const double forward = median_ms([&] {
      NoGradGuard no_grad;
      outputs[a] = conv2d(x, w, b, c.stride, c.padding);
    });
    const double training = median_ms([&] {
      Tensor(x).zero_grad();
      Tensor(w).zero_grad();
      Tensor(b).zero_grad();
      conv2d(x, w, b, c.stride, c.padding).backward(grad_y);
    });
    result[names[a]] = {{"forward_ms", forward},
                        {"forward_gflops", forward_flops / forward * 1e-6},
                        {"forward_backward_ms", training},
                        {"forward_backward_gflops", 3.0 * forward_flops / training * 1e-6}};
  }
  set_cuda_conv_algorithm(ConvAlgorithm::cudnn);
  result["implicit_gemm_vs_cudnn_forward_ms_ratio"] =
      result["implicit_gemm"]["forward_ms"].get<double>() /
      result["cudnn"]["forward_ms"].get<double>();
  result["max_relative_difference"] = relative_difference(outputs[1], outputs[0]);
  return result;
}

nlohmann::json bench_gemm(int64_t m, int64_t k, int64_t n) {
  Generator g(8);
  const Tensor a = uniform({m, k}, -1.0f, 1.0f, g).to(Device::cuda);
  const Tensor b = uniform({k, n}, -1.0f, 1.0f, g).to(Device::cuda);
  const double flops = 2.0 * m * n * k;
  nlohmann::json result{{"m", m}, {"k", k}, {"n", n}};
  Tensor outputs[2];
  const GemmAlgorithm algorithms[2] = {GemmAlgorithm::cublas, GemmAlgorithm::tiled};
  const char* names[2] = {"cublas", "tiled"};
  for (int i = 0; i < 2; ++i) {
    set_cuda_gemm_algorithm(algorithms[i]);
    const double ms = median_ms([&] { outputs[i] = matmul(a, b); });
    result[names[i]] = {{"ms", ms}, {"gflops", flops / ms * 1e-6}};
  }
  set_cuda_gemm_algorithm(GemmAlgorithm::cublas);
  result["tiled_vs_cublas_ms_ratio"] =
      result["tiled"]["ms"].get<double>() / result["cublas"]["ms"].get<double>();
  result["max_relative_difference"] = relative_difference(outputs[1], outputs[0]);
  return result;
}

}  // namespace

nlohmann::json gpu_kernels(const Progress& progress) {
  LEUKO_CHECK(device_available(Device::cuda),
              "bench gpu: no CUDA device here (leuko info lists the devices this machine has)");
  // Layers of the sizes the project's networks train (batch 32).
  const ConvCase conv_cases[] = {
      {"stem 3->32 3x3 @128", 32, 3, 128, 32, 3, 1, 1},
      {"32->64 3x3 @64", 32, 32, 64, 64, 3, 1, 1},
      {"64->128 3x3 stride 2 @32", 32, 64, 32, 128, 3, 2, 1},
      {"256->256 3x3 @14", 32, 256, 14, 256, 3, 1, 1},
      {"256->64 1x1 @28", 32, 256, 28, 64, 1, 1, 0},
  };
  const int64_t gemm_shapes[][3] = {
      {512, 512, 512}, {1024, 1024, 1024}, {4096, 4096, 4096}, {256, 4096, 1000}, {1000, 37, 333}};
  const int count = std::size(conv_cases) + std::size(gemm_shapes);
  int index = 0;
  nlohmann::json report{{"device", cuda::device_name()},
                        {"conv2d", nlohmann::json::array()},
                        {"matmul", nlohmann::json::array()}};
  for (const ConvCase& c : conv_cases) {
    progress("gpu_kernels", ++index, count, std::string("conv2d ") + c.name);
    report["conv2d"].push_back(bench_conv(c));
  }
  for (const auto& s : gemm_shapes) {
    progress("gpu_kernels", ++index, count, cat("matmul ", s[0], "x", s[1], "x", s[2]));
    report["matmul"].push_back(bench_gemm(s[0], s[1], s[2]));
  }
  return report;
}

#else

nlohmann::json gpu_kernels(const Progress&) {
  throw Error(
      "bench gpu: this build has no CUDA backend (nvcc was not found when it was configured)");
}

#endif

}  // namespace leuko::bench
