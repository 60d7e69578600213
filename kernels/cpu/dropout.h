// Inverted dropout with a counter-based mask: element i is kept iff a hash of (seed, i),
// read as a uniform number in [0, 1), is >= p; kept values are scaled by 1 / (1 - p) so the
// expected output equals the input. Because the mask is a pure function of (seed, i), it
// needs no storage: the backward recomputes it, and any thread (or GPU) can make any part.
//
// Declared for both CPU implementations (kernels/cpu/backends.h): leuko::cpu, the fast kernels in
// dropout.cpp, and leuko::cpu::reference, the readable reference in dropout_reference.cpp: one
// element at a time with the mask's uniform number written out; no OpenMP.
#pragma once

#include <cstdint>

#include "kernels/cpu/backends.h"

namespace leuko::cpu {

// The hash behind the mask: SplitMix64's finalizer over seed + (i + 1) * (the golden ratio
// constant), so consecutive indices give well-mixed, independent-looking 64-bit values.
// Element i is kept iff its top 24 bits, read as a number in [0, 1), are >= p.
inline uint64_t dropout_hash(uint64_t seed, uint64_t i) {
  uint64_t z = seed + (i + 1) * 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace leuko::cpu

LEUKO_CPU_BACKENDS(
    // y[i] = keep(seed, i) ? x[i] / (1 - p) : 0, for 0 <= p < 1.
    void dropout_forward(const float* x, int64_t n, float p, uint64_t seed, float* y);

    // grad_x[i] = keep(seed, i) ? grad_y[i] / (1 - p) : 0: the same mask as the forward.
    void dropout_backward(const float* grad_y, int64_t n, float p, uint64_t seed, float* grad_x);)
