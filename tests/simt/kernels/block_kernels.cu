// Test kernels for block-level behaviour: barriers, static and dynamic shared memory,
// grid-stride loops and 3-D indices. Plain CUDA: they build with nvcc and with the emulator.
#include "kernels/simt/simt.h"

// Every thread appends its id to `log` (in arrival order) before one barrier and its id +
// 1000 after it: with a working barrier, all the first entries come before all the second.
__global__ void log_around_barrier(int* log, int* log_length) {
  const int t = threadIdx.x;
  log[atomicAdd(log_length, 1)] = t;
  __syncthreads();
  log[atomicAdd(log_length, 1)] = 1000 + t;
}

// Thread t stores element t of its block's slice in shared memory; after the barrier it
// reads the element its mirror image stored. Blocks of at most 256 threads.
__global__ void reverse_in_shared(const int* in, int* out) {
  __shared__ int tile[256];
  const unsigned t = threadIdx.x;
  const unsigned base = blockIdx.x * blockDim.x;
  tile[t] = in[base + t];
  __syncthreads();
  out[base + t] = tile[blockDim.x - 1 - t];
}

// Thread 0 of each block writes its block number into shared memory, then waits (at most
// `spin_limit` polls) until every block of the grid has done the same, and reports what its
// shared memory holds now and how many blocks had arrived. Only blocks that run at the
// same time can all arrive; if they shared one copy, they would read each other's numbers.
__global__ void hold_shared_while_others_run(int* arrived, int* seen_owner, int* seen_arrived,
                                             int spin_limit) {
  __shared__ int owner;
  if (threadIdx.x != 0) return;
  owner = blockIdx.x;
  atomicAdd(arrived, 1);
  int count = 0;
  for (int poll = 0; poll < spin_limit; ++poll) {
    count = atomicAdd(arrived, 0);
    if (count == static_cast<int>(gridDim.x)) break;
  }
  seen_owner[blockIdx.x] = owner;
  seen_arrived[blockIdx.x] = count;
}

// Sums each block's grid-stride share of `in` into out[blockIdx.x] with a shared-memory
// tree. blockDim.x must be a power of two <= 1024. Each level reads partial sums written
// by other threads at the level before, so each needs the barrier in front of it.
__global__ void block_sum(const float* in, float* out, int n) {
  __shared__ float partial[1024];
  const unsigned t = threadIdx.x;
  float sum = 0.0f;
  for (int i = blockIdx.x * blockDim.x + t; i < n; i += blockDim.x * gridDim.x) sum += in[i];
  partial[t] = sum;
  __syncthreads();
  for (unsigned stride = blockDim.x / 2; stride > 0; stride /= 2) {
    if (t < stride) partial[t] += partial[t + stride];
    __syncthreads();
  }
  if (t == 0) out[blockIdx.x] = partial[0];
}

// The same tree with its barriers left out: a thread adds its partner's slot before the
// partner has written it. (Deliberately wrong; the test shows the emulator exposes it.)
__global__ void block_sum_without_barriers(const float* in, float* out, int n) {
  __shared__ float partial[1024];
  const unsigned t = threadIdx.x;
  float sum = 0.0f;
  for (int i = blockIdx.x * blockDim.x + t; i < n; i += blockDim.x * gridDim.x) sum += in[i];
  partial[t] = sum;
  for (unsigned stride = blockDim.x / 2; stride > 0; stride /= 2) {
    if (t < stride) partial[t] += partial[t + stride];
  }
  if (t == 0) out[blockIdx.x] = partial[0];
}

// Block b copies its `count` elements into dynamic shared memory (sized by the launch),
// then writes them back reversed; each thread handles several elements.
__global__ void reverse_in_dynamic_shared(const float* in, float* out, int count) {
  LEUKO_DYNAMIC_SHARED(float, staged);
  const float* slice = in + blockIdx.x * count;
  for (int i = threadIdx.x; i < count; i += blockDim.x) staged[i] = slice[i];
  __syncthreads();
  for (int i = threadIdx.x; i < count; i += blockDim.x)
    out[blockIdx.x * count + i] = staged[count - 1 - i];
}

// Counts how often each of n elements is visited by a grid-stride loop: once, if the loop
// is right for every n.
__global__ void count_grid_stride_visits(int* visits, int n) {
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) {
    atomicAdd(&visits[i], 1);
  }
}

// Each thread of a 3-D grid of 3-D blocks writes, at its global (x, y, z), the number of
// its block and of itself in it: block * 10000 + thread (both linear, x fastest).
__global__ void record_owner_3d(int* owner, int width, int height, int depth) {
  const unsigned x = blockIdx.x * blockDim.x + threadIdx.x;
  const unsigned y = blockIdx.y * blockDim.y + threadIdx.y;
  const unsigned z = blockIdx.z * blockDim.z + threadIdx.z;
  if (x >= static_cast<unsigned>(width) || y >= static_cast<unsigned>(height) ||
      z >= static_cast<unsigned>(depth))
    return;
  const unsigned block = (blockIdx.z * gridDim.y + blockIdx.y) * gridDim.x + blockIdx.x;
  const unsigned thread = (threadIdx.z * blockDim.y + threadIdx.y) * blockDim.x + threadIdx.x;
  owner[(z * height + y) * width + x] = static_cast<int>(block * 10000 + thread);
}

// Meets `rounds` barriers and does nothing else: the emulator's cost per barrier.
__global__ void barriers_only(int rounds) {
  for (int round = 0; round < rounds; ++round) __syncthreads();
}
