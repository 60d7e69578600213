// Test kernels for warp-level behaviour: shuffles, votes, partial masks and partial warps.
// Plain CUDA: they build with nvcc and with the emulator. Blocks are 1-D; lane = t % 32.
#include "kernels/simt/simt.h"

// Tree sum of each warp with __shfl_down_sync; lane 0 holds the warp's total.
template <typename T>
__global__ void warp_sum_down(const T* in, T* warp_sums) {
  const unsigned t = blockIdx.x * blockDim.x + threadIdx.x;
  T sum = in[t];
  for (int offset = 16; offset > 0; offset /= 2) sum += __shfl_down_sync(0xffffffffu, sum, offset);
  if (threadIdx.x % 32 == 0) warp_sums[t / 32] = sum;
}
// Instantiated here so that nvcc compiles them even where no host code launches them.
template __global__ void warp_sum_down<int>(const int*, int*);
template __global__ void warp_sum_down<float>(const float*, float*);
template __global__ void warp_sum_down<double>(const double*, double*);

// Butterfly sum with __shfl_xor_sync over segments of `width` lanes: every lane ends with
// its segment's total.
__global__ void segment_sum_xor(const int* in, int* out, int width) {
  const unsigned t = blockIdx.x * blockDim.x + threadIdx.x;
  int sum = in[t];
  for (int lane_mask = width / 2; lane_mask > 0; lane_mask /= 2) {
    sum += __shfl_xor_sync(0xffffffffu, sum, lane_mask, width);
  }
  out[t] = sum;
}

// Inclusive prefix sum over segments of `width` lanes with __shfl_up_sync (Hillis-Steele):
// lanes with no partner `offset` below them add nothing.
__global__ void segment_scan_up(const int* in, int* out, int width) {
  const unsigned t = blockIdx.x * blockDim.x + threadIdx.x;
  const int lane_in_segment = static_cast<int>(threadIdx.x % 32) % width;
  int sum = in[t];
  for (int offset = 1; offset < width; offset *= 2) {
    const int below = __shfl_up_sync(0xffffffffu, sum, offset, width);
    if (lane_in_segment >= offset) sum += below;
  }
  out[t] = sum;
}

// Each lane takes the value of lane (its lane + shift) of its segment, with __shfl_sync.
__global__ void segment_rotate(const double* in, double* out, int shift, int width) {
  const unsigned t = blockIdx.x * blockDim.x + threadIdx.x;
  out[t] = __shfl_sync(0xffffffffu, in[t], static_cast<int>(threadIdx.x % 32) + shift, width);
}

// Per warp: the ballot of in[t] > 0, and whether any / all lanes voted yes.
__global__ void warp_votes(const int* in, unsigned* ballots, int* any, int* all) {
  const unsigned t = blockIdx.x * blockDim.x + threadIdx.x;
  const int vote = in[t] > 0;
  const unsigned ballot = __ballot_sync(0xffffffffu, vote);
  const int some = __any_sync(0xffffffffu, vote);
  const int every = __all_sync(0xffffffffu, vote);
  if (threadIdx.x % 32 == 0) {
    ballots[t / 32] = ballot;
    any[t / 32] = some;
    all[t / 32] = every;
  }
}

// The two half-warps take different branches and shuffle only among themselves: the low
// half swaps neighbours (xor 1), the high half reads two lanes up; then the whole warp
// meets at __syncwarp and broadcasts lane 0's result.
__global__ void half_warps_apart(const int* in, int* out, int* broadcast) {
  const unsigned lane = threadIdx.x % 32;
  int value = in[threadIdx.x];
  if (lane < 16) {
    value = __shfl_xor_sync(0x0000ffffu, value, 1);
  } else {
    value = __shfl_down_sync(0xffff0000u, value, 2);
  }
  __syncwarp();
  out[threadIdx.x] = value;
  broadcast[threadIdx.x] = __shfl_sync(0xffffffffu, value, 0);
}

// Warp-level partial sums feeding a block-level sum: shuffles and __syncthreads together,
// for blocks whose size need not be a multiple of 32 (the last warp is then partial).
__global__ void block_sum_with_shuffles(const int* in, int* out) {
  __shared__ int warp_totals[32];
  const unsigned t = threadIdx.x;
  const unsigned lanes = blockDim.x - t / 32 * 32 < 32 ? blockDim.x - t / 32 * 32 : 32;
  const unsigned mask = lanes == 32 ? 0xffffffffu : (1u << lanes) - 1u;
  int sum = in[blockIdx.x * blockDim.x + t];
  for (int offset = 16; offset > 0; offset /= 2) {
    const int above = __shfl_down_sync(mask, sum, offset);
    if (t % 32 + offset < lanes) sum += above;
  }
  if (t % 32 == 0) warp_totals[t / 32] = sum;
  __syncthreads();
  if (t == 0) {
    int total = 0;
    for (unsigned w = 0; w < (blockDim.x + 31) / 32; ++w) total += warp_totals[w];
    out[blockIdx.x] = total;
  }
}

// Broken on purpose: lane 5 returns early, so the full-mask shuffle waits for a lane that
// never comes. (Undefined on a GPU; the emulator reports a deadlock.)
__global__ void shuffle_after_early_return(int* out) {
  if (threadIdx.x == 5) return;
  out[threadIdx.x] = __shfl_down_sync(0xffffffffu, static_cast<int>(threadIdx.x), 1);
}
