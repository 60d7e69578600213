// Included first by every kernels/cuda/*.cu. Each .cu is built twice from the same source:
//
//   nvcc      -> namespace leuko::cuda      the real GPU backend
//   g++       -> namespace leuko::cuda_emu  the same kernels under the SIMT emulator
//                                           (kernels/simt), runnable on any machine
//
// so a kernel is written once and its launcher is declared for both backends by
// LEUKO_CUDA_BACKENDS (kernels/cuda/backends.h). Launchers are plain C++ functions of
// device pointers and sizes; they launch on the backend's current stream and check the
// launch, so every kernel error surfaces at the op that caused it.
#pragma once

#include <cstdint>
#include <stdexcept>

#include "kernels/simt/simt.h"

#ifdef __CUDACC__
#define LEUKO_CUDA_NS cuda
#else
#define LEUKO_CUDA_NS cuda_emu
#endif

namespace leuko::LEUKO_CUDA_NS {

// The stream every launcher uses: the backend's compute stream, or the stream of the
// innermost StreamGuard of this host thread (stream.h).
cudaStream_t current_stream();
// The backend's two streams, both non-blocking, made on first use (stream.cu): the compute
// stream, and the copy stream that carries uploads of host batches.
cudaStream_t compute_stream();
cudaStream_t copy_stream();

// Throws std::runtime_error("<what>: <CUDA's error string>") unless status is cudaSuccess.
void check(cudaError_t status, const char* what);

// Checks the last launch (bad configuration, and under the emulator also faults).
inline void check_launch(const char* kernel_name) { check(cudaGetLastError(), kernel_name); }

// Blocks for an elementwise grid-stride loop over n items: enough to fill a large GPU
// (and both emulator threads), never more than the items need.
inline unsigned elementwise_blocks(int64_t n, unsigned threads_per_block) {
  const int64_t needed = (n + threads_per_block - 1) / threads_per_block;
  return static_cast<unsigned>(needed < 1 ? 1 : (needed > 4096 ? 4096 : needed));
}

}  // namespace leuko::LEUKO_CUDA_NS
