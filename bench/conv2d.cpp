// conv2d throughput per layer of the WBC net and the autoencoder: forward, backward (input
// and weight gradients) and both together, in GFLOP/s and as a fraction of the sgemm
// ceiling at the layer's own GEMM shape measured in the same run. Flops are the GEMMs':
// 2*N*O*9C*H*W per pass (forward, grad input, grad weight).
//
//   bench_conv2d [--json PATH]
#include <string>

#include "bench/ceilings.h"
#include "bench/layer_shapes.h"
#include "engine/autograd.h"
#include "engine/ops.h"
#include "engine/random.h"

using namespace leuko;

int main(int argc, char** argv) {
  const std::string json_path = argc > 2 && std::string(argv[1]) == "--json" ? argv[2] : "";
  manual_seed(0);
  nlohmann::json layers = nlohmann::json::array();
  for (const bench::ConvLayer& layer : bench::conv_layers()) {
    const int64_t positions = layer.size * layer.size, k = layer.in_channels * 9;
    Tensor x = randn({layer.batch, layer.in_channels, layer.size, layer.size}).set_requires_grad(true);
    Tensor weight = randn({layer.out_channels, layer.in_channels, 3, 3}).set_requires_grad(true);
    Tensor bias = randn({layer.out_channels}).set_requires_grad(true);
    const Tensor grad = randn({layer.batch, layer.out_channels, layer.size, layer.size});
    const double pass_flops = 2.0 * layer.batch * layer.out_channels * k * positions;

    const double forward_s = bench::median_seconds([&] {
      NoGradGuard no_grad;
      conv2d(x, weight, bias, 1, 1);
    });
    const double total_s = bench::median_seconds([&] {
      conv2d(x, weight, bias, 1, 1).backward(grad);
      x.zero_grad();
      weight.zero_grad();
      bias.zero_grad();
    });
    const double ceiling = bench::sgemm_gflops(layer.out_channels, positions, k, layer.batch);
    const double total_gflops = 3.0 * pass_flops / total_s / 1e9;
    layers.push_back({{"layer", layer.name},
                      {"input", {layer.batch, layer.in_channels, layer.size, layer.size}},
                      {"out_channels", layer.out_channels},
                      {"forward_gflops", pass_flops / forward_s / 1e9},
                      {"backward_gflops", 2.0 * pass_flops / (total_s - forward_s) / 1e9},
                      {"forward_backward_gflops", total_gflops},
                      {"sgemm_ceiling_gflops", ceiling},
                      {"fraction_of_ceiling", total_gflops / ceiling}});
  }
  bench::emit({{"threads", omp_get_max_threads()}, {"conv2d", layers}}, json_path);
}
