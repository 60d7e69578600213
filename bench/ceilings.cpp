// The ceilings alone (ceilings.h), measured now: sgemm at each conv layer's product and at a
// large square, and the copy bandwidth.
#include <string>

#include "bench/benchmarks.h"
#include "bench/ceilings.h"
#include "bench/layer_shapes.h"

namespace leuko::bench {

nlohmann::json ceilings(const LayerSelection& selection, const Progress& progress) {
  const std::vector<ConvLayer> layers = selected_layers(selection.prefix, selection.batch);
  const int count = static_cast<int>(layers.size()) + 2;
  int index = 0;
  nlohmann::json shapes = nlohmann::json::array();
  for (const ConvLayer& layer : layers) {
    progress("ceilings", ++index, count, std::string("sgemm at ") + layer.name + "'s product");
    const int64_t m = layer.out_channels, k = layer.column_rows(), n = layer.positions();
    shapes.push_back({{"layer", layer.name},
                      {"m", m},
                      {"n", n},
                      {"k", k},
                      {"images", layer.batch},
                      {"gflops", conv_sgemm_ceiling(m, n, k, layer.batch)}});
  }
  progress("ceilings", ++index, count, "sgemm 2048 x 2048 x 2048");
  const double square = square_sgemm_gflops(2048);
  progress("ceilings", ++index, count, "copy 256 MiB");
  return {{"threads", omp_get_max_threads()},
          {"sgemm_conv_shapes", shapes},
          {"sgemm_square_2048_gflops", square},
          {"copy_256mib_gbps", copy_gbps(int64_t{256} << 20)}};
}

}  // namespace leuko::bench
