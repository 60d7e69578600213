// Which implementation runs convolutions and matrix products on a GPU device.
//
// On Device::cuda (a real GPU) the engine uses cuDNN and cuBLAS by default; the project's
// own implicit-GEMM convolution and tiled GEMM can be selected instead, engine-wide, e.g.
// to benchmark them against the vendor libraries. Device::cuda_emu always runs the
// project's kernels (under the SIMT emulator there is no cuDNN or cuBLAS). The ops apply
// the choice through engine/cuda_selected.h.
#pragma once

namespace leuko {

enum class ConvAlgorithm { cudnn, implicit_gemm };
enum class GemmAlgorithm { cublas, tiled };

void set_cuda_conv_algorithm(ConvAlgorithm algorithm);
ConvAlgorithm cuda_conv_algorithm();
void set_cuda_gemm_algorithm(GemmAlgorithm algorithm);
GemmAlgorithm cuda_gemm_algorithm();

}  // namespace leuko
