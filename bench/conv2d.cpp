// conv2d throughput per layer of the WBC net, the autoencoder and ResNet-18: forward,
// backward (input and weight gradients) and both together, in GFLOP/s and as a fraction of
// the sgemm ceiling at the layer's own GEMM shape measured in the same run (ceilings.h).
// Flops are the GEMMs': 2*N*O*K*P per pass (forward, grad input, grad weight).
#include <string>

#include "bench/benchmarks.h"
#include "bench/ceilings.h"
#include "bench/layer_shapes.h"
#include "engine/autograd.h"
#include "engine/ops.h"
#include "engine/random.h"

namespace leuko::bench {

nlohmann::json conv2d_layers(const LayerSelection& selection, const Progress& progress) {
  const std::vector<ConvLayer> layers = selected_layers(selection.prefix, selection.batch);
  manual_seed(0);
  nlohmann::json results = nlohmann::json::array();
  int index = 0;
  for (const ConvLayer& layer : layers) {
    progress("conv2d", ++index, static_cast<int>(layers.size()), layer.name);
    const int64_t out = layer.out_size();
    Tensor x =
        randn({layer.batch, layer.in_channels, layer.size, layer.size}).set_requires_grad(true);
    Tensor weight = randn({layer.out_channels, layer.in_channels, layer.kernel, layer.kernel})
                        .set_requires_grad(true);
    Tensor bias = randn({layer.out_channels}).set_requires_grad(true);
    const Tensor grad = randn({layer.batch, layer.out_channels, out, out});
    const double pass_flops = layer.pass_flops();
    const auto convolve = [&] { return conv2d(x, weight, bias, layer.stride, layer.padding); };

    const double forward_s = median_seconds([&] {
      NoGradGuard no_grad;
      convolve();
    });
    const double total_s = median_seconds([&] {
      convolve().backward(grad);
      x.zero_grad();
      weight.zero_grad();
      bias.zero_grad();
    });
    const double ceiling =
        conv_sgemm_ceiling(layer.out_channels, layer.positions(), layer.column_rows(), layer.batch);
    const double total_gflops = 3.0 * pass_flops / total_s / 1e9;
    results.push_back({{"layer", layer.name},
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
  return {{"threads", omp_get_max_threads()}, {"conv2d", results}};
}

}  // namespace leuko::bench
