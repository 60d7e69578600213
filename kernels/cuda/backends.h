// Declares CUDA launchers for both backends at once, for the engine (plain C++, no CUDA
// types): leuko::cuda (built by nvcc, runs on a GPU) and leuko::cuda_emu (the same .cu
// source built by the host compiler, run by the SIMT emulator). See kernels/cuda/common.cuh.
//
//   LEUKO_CUDA_BACKENDS(
//     void relu_forward(const float* x, float* y, int64_t n);
//   )
#pragma once

#define LEUKO_CUDA_BACKENDS(...) \
  namespace leuko::cuda {        \
  __VA_ARGS__                    \
  }                              \
  namespace leuko::cuda_emu {    \
  __VA_ARGS__                    \
  }
