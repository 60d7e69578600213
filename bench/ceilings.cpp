// Prints the machine's ceilings (see ceilings.h): sgemm at the conv layers' GEMM shapes
// (forward: [O, K] x [K, N * P]) and at a large square size, and the copy bandwidth.
//
//   bench_ceilings [--json PATH]
#include <string>

#include "bench/ceilings.h"
#include "bench/layer_shapes.h"

using namespace leuko;

int main(int argc, char** argv) {
  const std::string json_path = argc > 2 && std::string(argv[1]) == "--json" ? argv[2] : "";
  nlohmann::json shapes = nlohmann::json::array();
  for (const bench::ConvLayer& layer : bench::conv_layers()) {
    const int64_t m = layer.out_channels, k = layer.column_rows(), n = layer.positions();
    shapes.push_back({{"layer", layer.name},
                      {"m", m},
                      {"n", n},
                      {"k", k},
                      {"images", layer.batch},
                      {"gflops", bench::conv_sgemm_ceiling(m, n, k, layer.batch)}});
  }
  nlohmann::json result{{"threads", omp_get_max_threads()},
                        {"sgemm_conv_shapes", shapes},
                        {"sgemm_square_2048_gflops", bench::square_sgemm_gflops(2048)},
                        {"copy_256mib_gbps", bench::copy_gbps(int64_t{256} << 20)}};
  bench::emit(result, json_path);
}
