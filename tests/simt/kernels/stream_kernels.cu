// Test kernel for the emulator's stream ordering. Plain CUDA: it builds with nvcc and with
// the emulator.
#include "kernels/simt/simt.h"

// out[i] = factor * in[i] for i < n (grid-stride).
__global__ void scale(const float* in, float* out, float factor, int n) {
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x)
    out[i] = factor * in[i];
}

void launch_scale(const float* in, float* out, float factor, int n, cudaStream_t stream) {
  leuko_launch(scale, 4, 128, 0, stream, in, out, factor, n);
}
