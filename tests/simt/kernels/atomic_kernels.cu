// Test kernels for atomics under contention: every thread of many blocks (which the
// emulator runs on several OS threads at once) updates the same few words.
// Plain CUDA: they build with nvcc and with the emulator.
#include "kernels/simt/simt.h"

// Every thread adds 1 to each counter and its global index to `index_sum`.
__global__ void count_everyone(int* count, unsigned* unsigned_count, unsigned long long* index_sum,
                               float* float_count, double* double_count) {
  const unsigned t = blockIdx.x * blockDim.x + threadIdx.x;
  atomicAdd(count, 1);
  atomicAdd(unsigned_count, 1u);
  atomicAdd(index_sum, static_cast<unsigned long long>(t));
  atomicAdd(float_count, 1.0f);
  atomicAdd(double_count, 0.5);
}

// The largest and smallest of n values, and the largest float built from atomicCAS (CUDA
// has no float atomicMax).
__global__ void extremes(const int* values, const float* float_values, int n, int* largest,
                         int* smallest, unsigned* largest_unsigned, float* largest_float) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  atomicMax(largest, values[i]);
  atomicMin(smallest, values[i]);
  atomicMax(largest_unsigned, static_cast<unsigned>(values[i]) & 0xffffu);
  const float candidate = float_values[i];
  int seen = __float_as_int(*largest_float);
  while (__int_as_float(seen) < candidate) {
    const int before =
        atomicCAS(reinterpret_cast<int*>(largest_float), seen, __float_as_int(candidate));
    if (before == seen) break;
    seen = before;
  }
}

// Every thread swaps its number into `slot` and keeps what it took out: the values taken
// out plus the one left behind are the starting value and every thread's number, each once.
__global__ void pass_the_token(int* slot, int* taken, int n) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) taken[i] = atomicExch(slot, i);
}

// Exactly one thread wins the race to replace -1 in `winner`.
__global__ void first_claim_wins(int* winner, int* wins) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  wins[i] = atomicCAS(winner, -1, i) == -1;
}

// Bitwise atomics: thread t sets bit t % 32 of `all_bits`, clears bit t % 32 of `no_bits`,
// flips bit 0 of `parity`, and subtracts 1 from `countdown`.
__global__ void bitwise_updates(unsigned* all_bits, unsigned* no_bits, unsigned* parity,
                                int* countdown) {
  const unsigned bit = 1u << (threadIdx.x % 32);
  atomicOr(all_bits, bit);
  atomicAnd(no_bits, ~bit);
  atomicXor(parity, 1u);
  atomicSub(countdown, 1);
}
