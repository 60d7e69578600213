// Tools for kernels that give one block to one channel of an [N, C, S] tensor (batch norm
// and its fusions): the block size, and a division-free walk over the channel's N*S
// elements. The block's sums over the channel come from block_reduce.cuh.
#pragma once

#include "kernels/cuda/common.cuh"

namespace leuko::LEUKO_CUDA_NS {

// Threads for a block that walks m elements: a multiple of the warp size (block_sum
// needs whole warps), no more than the elements need, at most 256.
inline unsigned per_channel_threads(int64_t m) {
  const int64_t warps = (m + 31) / 32;
  return static_cast<unsigned>(32 * (warps < 1 ? 1 : (warps > 8 ? 8 : warps)));
}

// Walks the elements k = first, first + step, ... of channel c, where element k = n * S + s
// lives at (n * C + c) * S + s. Consecutive threads start at consecutive k, so they read
// consecutive addresses inside a row (coalesced). The row and column are carried along
// instead of recomputed with a 64-bit division (tens of instructions on a GPU) per element.
struct ChannelWalk {
  int64_t n, s;            // current row (sample) and column (spatial position)
  int64_t step_n, step_s;  // the step, split into whole rows and a remainder
  int64_t N, C, S, c;

  __device__ ChannelWalk(int64_t N_, int64_t C_, int64_t S_, int64_t c_, int64_t first,
                         int64_t step)
      : n(first / S_),
        s(first % S_),
        step_n(step / S_),
        step_s(step % S_),
        N(N_),
        C(C_),
        S(S_),
        c(c_) {}
  __device__ bool valid() const { return n < N; }
  __device__ int64_t offset() const { return (n * C + c) * S + s; }
  __device__ void next() {
    s += step_s;
    n += step_n;
    if (s >= S) {  // step_s < S, so one carry is enough
      s -= S;
      ++n;
    }
  }
};

}  // namespace leuko::LEUKO_CUDA_NS
