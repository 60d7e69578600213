// The engine-wide choice between the vendor libraries and the project's kernels on a real
// GPU (read by engine/cuda_selected.cpp at every call).
#include "engine/cuda_options.h"

#include <atomic>

namespace leuko {

namespace {
std::atomic<ConvAlgorithm> conv_algorithm{ConvAlgorithm::cudnn};
std::atomic<GemmAlgorithm> gemm_algorithm{GemmAlgorithm::cublas};
}  // namespace

void set_cuda_conv_algorithm(ConvAlgorithm algorithm) { conv_algorithm = algorithm; }
ConvAlgorithm cuda_conv_algorithm() { return conv_algorithm; }
void set_cuda_gemm_algorithm(GemmAlgorithm algorithm) { gemm_algorithm = algorithm; }
GemmAlgorithm cuda_gemm_algorithm() { return gemm_algorithm; }

}  // namespace leuko
