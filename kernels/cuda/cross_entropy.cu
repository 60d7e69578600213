// Fused softmax cross-entropy over logits [n, k] with class weights.
//
// Forward, two kernels:
//   1. one warp per row (8 rows per 256-thread block): the lanes stride along the row
//      (coalesced), take its max and then sum(exp(x - max)) with warp shuffles, and lane 0
//      writes logsumexp = max + log(sum). Stable for any logits.
//   2. one block (256 threads) over the rows: each thread adds w[y_i] * (logsumexp_i -
//      x_i[y_i]) and w[y_i] for a strided set of rows, and a block reduction gives the
//      weighted sum and the weight total; thread 0 writes loss = sum / total. n is a batch
//      size (tens to thousands), so one block is plenty.
// Backward, one thread per logit (grid-stride): softmax is rebuilt as exp(x - logsumexp)
// from the saved per-row logsumexp, so no [n, k] probabilities are stored.
// Sums are in float, in tree order (the CPU sums the loss in double): the loss agrees to
// float rounding. Cost: forward reads 4nk bytes, one exp per logit; backward reads 4nk,
// writes 4nk, one exp per logit.
#include <math.h>

#include "kernels/cuda/block_reduce.cuh"
#include "kernels/cuda/common.cuh"
#include "kernels/cuda/cross_entropy.h"

namespace leuko::LEUKO_CUDA_NS {

namespace {

constexpr unsigned kThreads = 256;
constexpr unsigned kRowsPerBlock = kThreads / 32;

__global__ void row_logsumexp_kernel(const float* logits, int64_t n, int64_t k,
                                     float* row_logsumexp) {
  const unsigned lane = threadIdx.x % 32;
  const int64_t row = static_cast<int64_t>(blockIdx.x) * kRowsPerBlock + threadIdx.x / 32;
  if (row < n) {  // the same for the whole warp, so every lane reaches the shuffles
    const float* x = logits + row * k;
    float max = -INFINITY;
    for (int64_t c = lane; c < k; c += 32) max = fmaxf(max, x[c]);
    max = warp_max(max);
    float sum = 0.0f;
    for (int64_t c = lane; c < k; c += 32) sum += expf(x[c] - max);
    sum = warp_sum(sum);
    if (lane == 0) row_logsumexp[row] = max + logf(sum);
  }
}

__global__ void weighted_mean_kernel(const float* logits, const int64_t* labels,
                                     const float* class_weights, const float* row_logsumexp,
                                     int64_t n, int64_t k, float* loss, float* weight_total) {
  float weighted_nll = 0.0f, weights = 0.0f;
  for (int64_t i = threadIdx.x; i < n; i += blockDim.x) {
    const int64_t label = labels[i];
    const float w = class_weights ? class_weights[label] : 1.0f;
    weighted_nll += w * (row_logsumexp[i] - logits[i * k + label]);
    weights += w;
  }
  weighted_nll = block_sum(weighted_nll);
  weights = block_sum(weights);
  if (threadIdx.x == 0) {
    loss[0] = weighted_nll / weights;
    weight_total[0] = weights;
  }
}

__global__ void cross_entropy_backward_kernel(const float* logits, const int64_t* labels,
                                              const float* class_weights,
                                              const float* row_logsumexp, int64_t n, int64_t k,
                                              const float* weight_total, const float* grad_loss,
                                              float* grad_logits) {
  const float scale_all = grad_loss[0] / weight_total[0];
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n * k;
       i += step) {
    const int64_t row = i / k, c = i % k;
    const int64_t label = labels[row];
    const float scale = scale_all * (class_weights ? class_weights[label] : 1.0f);
    const float one_hot = c == label ? 1.0f : 0.0f;
    grad_logits[i] = scale * (expf(logits[i] - row_logsumexp[row]) - one_hot);
  }
}

}  // namespace

void cross_entropy_forward(const float* logits, const int64_t* labels, const float* class_weights,
                           int64_t n, int64_t k, float* row_logsumexp, float* loss,
                           float* weight_total) {
  const unsigned row_blocks = static_cast<unsigned>((n + kRowsPerBlock - 1) / kRowsPerBlock);
  leuko_launch(row_logsumexp_kernel, dim3(row_blocks), dim3(kThreads), 0, current_stream(), logits,
               n, k, row_logsumexp);
  check_launch("row_logsumexp_kernel");
  leuko_launch(weighted_mean_kernel, dim3(1), dim3(kThreads), 0, current_stream(), logits, labels,
               class_weights, static_cast<const float*>(row_logsumexp), n, k, loss, weight_total);
  check_launch("weighted_mean_kernel");
}

void cross_entropy_backward(const float* logits, const int64_t* labels, const float* class_weights,
                            const float* row_logsumexp, int64_t n, int64_t k,
                            const float* weight_total, const float* grad_loss, float* grad_logits) {
  leuko_launch(cross_entropy_backward_kernel, dim3(elementwise_blocks(n * k, kThreads)),
               dim3(kThreads), 0, current_stream(), logits, labels, class_weights, row_logsumexp, n,
               k, weight_total, grad_loss, grad_logits);
  check_launch("cross_entropy_backward_kernel");
}

}  // namespace leuko::LEUKO_CUDA_NS
