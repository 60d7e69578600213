// Per-channel sums (bias gradients): one block of 256 threads per channel. Each thread adds
// a strided share of the channel's batch x positions values (consecutive threads read
// consecutive positions, so reads coalesce when positions is large), then the block reduces
// its 256 partial sums as a tree: a warp-shuffle reduction inside each warp, the 8 warp sums
// through shared memory, a last shuffle reduction in warp 0. No atomics: the order of the
// additions is fixed, so results are reproducible. Reads batch x channels x positions
// floats once, writes channels floats.
#include "kernels/cuda/bias_grad.h"
#include "kernels/cuda/common.cuh"

namespace leuko::LEUKO_CUDA_NS {

namespace {

constexpr int kSumThreads = 256;
constexpr unsigned kFullWarp = 0xffffffffu;

// Every lane of the warp must call this (the shuffles name all 32 lanes).
__device__ float warp_sum(float value) {
  for (int offset = 16; offset > 0; offset /= 2)
    value += __shfl_down_sync(kFullWarp, value, offset);
  return value;
}

__global__ void channel_sums_kernel(const float* x, float* out, int64_t batch, int64_t channels,
                                    int64_t positions) {
  __shared__ float warp_sums[kSumThreads / 32];
  const int64_t channel = blockIdx.x;
  const int64_t count = batch * positions;
  float sum = 0.0f;
  for (int64_t i = threadIdx.x; i < count; i += kSumThreads) {
    const int64_t n = i / positions, p = i % positions;
    sum += x[(n * channels + channel) * positions + p];
  }
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  sum = warp_sum(sum);
  if (lane == 0) warp_sums[warp] = sum;
  __syncthreads();
  if (warp == 0) {
    sum = lane < kSumThreads / 32 ? warp_sums[lane] : 0.0f;
    sum = warp_sum(sum);
    if (lane == 0) out[channel] = sum;
  }
}

}  // namespace

void channel_sums(const float* x, float* out, int64_t batch, int64_t channels, int64_t positions) {
  if (channels <= 0) return;
  leuko_launch(channel_sums_kernel, dim3(static_cast<unsigned>(channels)), dim3(kSumThreads), 0,
               current_stream(), x, out, batch, channels, positions);
  check_launch("channel_sums_kernel");
}

}  // namespace leuko::LEUKO_CUDA_NS
