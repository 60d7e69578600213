// Sums and maxima across a warp and across a thread block, the building blocks of the
// reduction kernels (sum, mse, softmax, cross-entropy).
//
// A warp reduces with butterfly shuffles (__shfl_xor_sync): after log2(32) = 5 steps every
// lane holds the warp's result, with no shared memory and no barrier. A block reduces in
// two levels: each warp reduces its own values, lane 0 of each warp leaves its result in
// shared memory, then the first warp reduces those (at most 32) results.
//
// Every thread of the block must call block_sum / block_max (they contain barriers and
// full-warp shuffles): kernels keep out-of-range threads alive with a neutral value (0 for a
// sum, -INFINITY for a max) instead of returning early. blockDim.x must be a multiple of 32.
#pragma once

#include <math.h>

#include "kernels/cuda/common.cuh"

namespace leuko::LEUKO_CUDA_NS {

constexpr unsigned kFullWarp = 0xffffffffu;

template <typename T>
__device__ __forceinline__ T warp_sum(T value) {
  for (int offset = 16; offset > 0; offset /= 2) value += __shfl_xor_sync(kFullWarp, value, offset);
  return value;
}

__device__ __forceinline__ float warp_max(float value) {
  for (int offset = 16; offset > 0; offset /= 2)
    value = fmaxf(value, __shfl_xor_sync(kFullWarp, value, offset));
  return value;
}

// Combines the per-warp results of a block (blockDim.x threads, 1-D); every thread gets the
// block's result. The leading barrier lets a kernel call it several times in a row.
template <typename T, typename WarpReduce>
__device__ __forceinline__ T block_reduce(T value, T neutral, WarpReduce warp_reduce) {
  __shared__ T warp_results[32];
  const unsigned lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  const unsigned warps = blockDim.x / 32;
  value = warp_reduce(value);
  __syncthreads();  // a previous call may still be reading warp_results
  if (lane == 0) warp_results[warp] = value;
  __syncthreads();
  value = lane < warps ? warp_results[lane] : neutral;
  return warp_reduce(value);  // every warp reduces the same values, so all threads agree
}

template <typename T>
__device__ __forceinline__ T block_sum(T value) {
  return block_reduce(value, T(0), [](T v) { return warp_sum(v); });
}

__device__ __forceinline__ float block_max(float value) {
  return block_reduce(value, -INFINITY, [](float v) { return warp_max(v); });
}

}  // namespace leuko::LEUKO_CUDA_NS
