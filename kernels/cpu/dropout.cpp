// Dropout forward and backward (see dropout.h): y = x * mask / (1 - p), the mask made from
// a hash of (seed, element index).
//
// Work split: OpenMP over elements when large; each element's mask bit is independent, so
// the loop also vectorizes (the hash is a few 64-bit multiplies and shifts).
// Cost per element: 4 bytes read, 4 written, ~10 integer ops for the hash, 1 multiply.
#include "kernels/cpu/dropout.h"

namespace leuko::cpu {

static constexpr int64_t kParallelThreshold = 65536;

// keep iff u >= p, with u = (top 24 bits) / 2^24 (exact in float): compared as integers
// against threshold = ceil(p * 2^24).
static inline uint32_t keep_threshold(float p) {
  const double scaled = static_cast<double>(p) * 16777216.0;
  const uint32_t t = static_cast<uint32_t>(scaled);
  return t + (static_cast<double>(t) < scaled ? 1 : 0);
}

static void apply_mask(const float* in, int64_t n, float p, uint64_t seed, float* out) {
  const uint32_t threshold = keep_threshold(p);
  const float scale = 1.0f / (1.0f - p);
#pragma omp parallel for simd schedule(static) if (n > kParallelThreshold)
  for (int64_t i = 0; i < n; ++i) {
    const uint32_t bits = static_cast<uint32_t>(dropout_hash(seed, static_cast<uint64_t>(i)) >> 40);
    out[i] = bits >= threshold ? in[i] * scale : 0.0f;
  }
}

void dropout_forward(const float* x, int64_t n, float p, uint64_t seed, float* y) {
  apply_mask(x, n, p, seed, y);
}

void dropout_backward(const float* grad_y, int64_t n, float p, uint64_t seed, float* grad_x) {
  apply_mask(grad_y, n, p, seed, grad_x);  // the mask and scale are the forward's
}

}  // namespace leuko::cpu
