// Inverted dropout with a counter-based mask: element i is kept iff a hash of (seed, i),
// read as a uniform number in [0, 1), is >= p; kept values are scaled by 1 / (1 - p) so the
// expected output equals the input. Because the mask is a pure function of (seed, i), it
// needs no storage: the backward recomputes it, and any thread (or GPU) can make any part.
#pragma once

#include <cstdint>

namespace leuko::cpu {

// y[i] = keep(seed, i) ? x[i] / (1 - p) : 0, for 0 <= p < 1.
void dropout_forward(const float* x, int64_t n, float p, uint64_t seed, float* y);

// grad_x[i] = keep(seed, i) ? grad_y[i] / (1 - p) : 0: the same mask as the forward.
void dropout_backward(const float* grad_y, int64_t n, float p, uint64_t seed, float* grad_x);

}  // namespace leuko::cpu
