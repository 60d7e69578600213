// Test kernels for the emulated runtime: launch limits, streams, events, constant memory.
// Plain CUDA: they build with nvcc and with the emulator.
#include "kernels/simt/simt.h"

// out[i] = value for i < n (grid-stride).
__global__ void fill(float* out, float value, int n) {
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x)
    out[i] = value;
}

// A host-side launcher, as the backend's will be: leuko_launch is <<<...>>> under nvcc.
void launch_fill(float* out, float value, int n, cudaStream_t stream) {
  leuko_launch(fill, 64, 256, 0, stream, out, value, n);
}

// Touches every byte of the dynamic shared memory the launch asked for, and counts the
// threads that ran.
__global__ void touch_dynamic_shared(int bytes, int* threads_run) {
  LEUKO_DYNAMIC_SHARED(unsigned char, scratch);
  for (int i = threadIdx.x; i < bytes; i += blockDim.x) scratch[i] = static_cast<unsigned char>(i);
  atomicAdd(threads_run, 1);
}

__constant__ float polynomial[4];

// out[i] = polynomial evaluated at i, coefficients from constant memory (lowest first).
__global__ void evaluate_polynomial(float* out, int n) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  const float x = static_cast<float>(i);
  out[i] = polynomial[0] + x * (polynomial[1] + x * (polynomial[2] + x * polynomial[3]));
}
