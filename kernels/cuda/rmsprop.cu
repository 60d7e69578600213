// RMSprop, fused: one thread per element in a grid-stride loop reads param, grad and the (up
// to three) state tensors once and writes them once (coalesced). The options are template
// parameters, so each variant is a branch-free kernel. Cost per element: ~10-14 flops incl.
// one square root and one division, 20-36 bytes moved (memory bound).
#include "kernels/cuda/common.cuh"
#include "kernels/cuda/rmsprop.h"

namespace leuko::LEUKO_CUDA_NS {

namespace {

template <bool kCentered, bool kMomentum>
__global__ void rmsprop_kernel(float* param, const float* grad, float* square_avg, float* grad_avg,
                               float* momentum_buffer, int64_t n, RmspropHyperparameters h) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += stride) {
    const float g = grad[i] + h.weight_decay * param[i];
    const float sq = h.alpha * square_avg[i] + h.one_minus_alpha * g * g;
    square_avg[i] = sq;
    float variance = sq;
    if (kCentered) {
      const float mean = h.alpha * grad_avg[i] + h.one_minus_alpha * g;
      grad_avg[i] = mean;
      variance = sq - mean * mean;
    }
    const float avg = sqrtf(variance) + h.eps;
    if (kMomentum) {
      const float b = h.momentum * momentum_buffer[i] + g / avg;
      momentum_buffer[i] = b;
      param[i] -= h.lr * b;
    } else {
      param[i] -= h.lr * (g / avg);
    }
  }
}

template <bool kCentered, bool kMomentum>
void launch_rmsprop(float* param, const float* grad, float* square_avg, float* grad_avg,
                    float* momentum_buffer, int64_t n, const RmspropHyperparameters& h) {
  const unsigned threads = 256;
  leuko_launch(rmsprop_kernel<kCentered, kMomentum>, dim3(elementwise_blocks(n, threads)),
               dim3(threads), 0, current_stream(), param, grad, square_avg, grad_avg,
               momentum_buffer, n, h);
  check_launch("rmsprop_kernel");
}

}  // namespace

void rmsprop_step(float* param, const float* grad, float* square_avg, float* grad_avg,
                  float* momentum_buffer, int64_t n, const RmspropHyperparameters& h) {
  if (n == 0) return;
  const bool centered = grad_avg != nullptr, momentum = momentum_buffer != nullptr;
  if (centered && momentum) {
    launch_rmsprop<true, true>(param, grad, square_avg, grad_avg, momentum_buffer, n, h);
  } else if (centered) {
    launch_rmsprop<true, false>(param, grad, square_avg, grad_avg, nullptr, n, h);
  } else if (momentum) {
    launch_rmsprop<false, true>(param, grad, square_avg, nullptr, momentum_buffer, n, h);
  } else {
    launch_rmsprop<false, false>(param, grad, square_avg, nullptr, nullptr, n, h);
  }
}

}  // namespace leuko::LEUKO_CUDA_NS
