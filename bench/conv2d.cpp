// conv2d throughput per layer of the WBC net, the autoencoder and ResNet-18: forward,
// backward (input and weight gradients) and both together, in GFLOP/s and as a fraction of
// the sgemm ceiling at the layer's own GEMM shape measured in the same run (ceilings.h).
// Flops are the GEMMs': 2*N*O*K*P per pass (forward, grad input, grad weight).
//
//   bench_conv2d [--json PATH] [NAME-PREFIX]     e.g. r18. for ResNet-18's layers only
#include <string>

#include "bench/ceilings.h"
#include "bench/layer_shapes.h"
#include "engine/autograd.h"
#include "engine/ops.h"
#include "engine/random.h"

using namespace leuko;

int main(int argc, char** argv) {
  const bool has_json = argc > 2 && std::string(argv[1]) == "--json";
  const std::string json_path = has_json ? argv[2] : "";
  const std::string prefix = argc > (has_json ? 3 : 1) ? argv[has_json ? 3 : 1] : "";
  manual_seed(0);
  nlohmann::json layers = nlohmann::json::array();
  for (const bench::ConvLayer& layer : bench::conv_layers()) {
    if (std::string(layer.name).rfind(prefix, 0) != 0) continue;
    const int64_t positions = layer.positions(), k = layer.column_rows();
    const int64_t out = layer.out_size();
    Tensor x =
        randn({layer.batch, layer.in_channels, layer.size, layer.size}).set_requires_grad(true);
    Tensor weight = randn({layer.out_channels, layer.in_channels, layer.kernel, layer.kernel})
                        .set_requires_grad(true);
    Tensor bias = randn({layer.out_channels}).set_requires_grad(true);
    const Tensor grad = randn({layer.batch, layer.out_channels, out, out});
    const double pass_flops = layer.pass_flops();
    const auto convolve = [&] { return conv2d(x, weight, bias, layer.stride, layer.padding); };

    const double forward_s = bench::median_seconds([&] {
      NoGradGuard no_grad;
      convolve();
    });
    const double total_s = bench::median_seconds([&] {
      convolve().backward(grad);
      x.zero_grad();
      weight.zero_grad();
      bias.zero_grad();
    });
    const double ceiling = bench::conv_sgemm_ceiling(layer.out_channels, positions, k, layer.batch);
    const double total_gflops = 3.0 * pass_flops / total_s / 1e9;
    layers.push_back({{"layer", layer.name},
                      {"input", {layer.batch, layer.in_channels, layer.size, layer.size}},
                      {"out_channels", layer.out_channels},
                      {"kernel", layer.kernel},
                      {"stride", layer.stride},
                      {"forward_gflops", pass_flops / forward_s / 1e9},
                      {"backward_gflops", 2.0 * pass_flops / (total_s - forward_s) / 1e9},
                      {"forward_backward_gflops", total_gflops},
                      {"sgemm_ceiling_gflops", ceiling},
                      {"fraction_of_ceiling", total_gflops / ceiling}});
  }
  bench::emit({{"threads", omp_get_max_threads()}, {"conv2d", layers}}, json_path);
}
