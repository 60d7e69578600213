// Elementwise activations, forward and backward (formulas in kernels/cpu/activation.h).
//
// Work split: one thread per element, grid-stride loop, 256 threads per block; every
// activation is a small function object run by the same two kernels (one input, or two
// inputs for the backward passes), so the indexing is written once.
// Cost per element: forward 4 bytes read + 4 written; backward 8 read + 4 written. A few flops
// (sigmoid, elu, tanh: one exp or tanh each): memory-bound.
#include <math.h>

#include "kernels/cuda/activation.h"
#include "kernels/cuda/common.cuh"
#include "kernels/relu_rule.h"

namespace leuko::LEUKO_CUDA_NS {

namespace {

constexpr unsigned kThreads = 256;

// out[i] = f(in[i])
template <typename F>
__global__ void map_kernel(const float* in, float* out, int64_t n, F f) {
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n; i += step)
    out[i] = f(in[i]);
}

// out[i] = f(saved[i], grad[i]): a backward pass from one saved array and the gradient.
template <typename F>
__global__ void map2_kernel(const float* saved, const float* grad, float* out, int64_t n, F f) {
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n; i += step)
    out[i] = f(saved[i], grad[i]);
}

template <typename F>
void launch_map(const float* in, float* out, int64_t n, F f) {
  if (n == 0) return;
  leuko_launch(map_kernel<F>, dim3(elementwise_blocks(n, kThreads)), dim3(kThreads), 0,
               current_stream(), in, out, n, f);
  check_launch("activation map_kernel");
}

template <typename F>
void launch_map2(const float* saved, const float* grad, float* out, int64_t n, F f) {
  if (n == 0) return;
  leuko_launch(map2_kernel<F>, dim3(elementwise_blocks(n, kThreads)), dim3(kThreads), 0,
               current_stream(), saved, grad, out, n, f);
  check_launch("activation map2_kernel");
}

struct Relu {
  __device__ float operator()(float x) const { return relu_of(x); }
};
struct ReluBackward {  // from the output y
  __device__ float operator()(float y, float g) const { return y > 0.0f ? g : 0.0f; }
};

struct LeakyRelu {
  float slope;
  __device__ float operator()(float x) const { return x > 0.0f ? x : slope * x; }
};
struct LeakyReluBackward {  // from the input x
  float slope;
  __device__ float operator()(float x, float g) const { return x > 0.0f ? g : slope * g; }
};

struct Elu {
  float alpha;
  __device__ float operator()(float x) const { return x > 0.0f ? x : alpha * expm1f(x); }
};
struct EluBackward {  // from the output y (alpha >= 0): dy/dx = y + alpha where y <= 0
  float alpha;
  __device__ float operator()(float y, float g) const { return y > 0.0f ? g : g * (y + alpha); }
};

struct Sigmoid {
  __device__ float operator()(float x) const { return 1.0f / (1.0f + expf(-x)); }
};
struct SigmoidBackward {  // from the output y: dy/dx = y (1 - y)
  __device__ float operator()(float y, float g) const { return g * y * (1.0f - y); }
};

struct Tanh {
  __device__ float operator()(float x) const { return tanhf(x); }
};
struct TanhBackward {  // from the output y: dy/dx = 1 - y^2
  __device__ float operator()(float y, float g) const { return g * (1.0f - y * y); }
};

}  // namespace

void relu_forward(const float* x, float* y, int64_t n) { launch_map(x, y, n, Relu{}); }
void relu_backward(const float* y, const float* grad_y, float* grad_x, int64_t n) {
  launch_map2(y, grad_y, grad_x, n, ReluBackward{});
}

void leaky_relu_forward(const float* x, float* y, int64_t n, float slope) {
  launch_map(x, y, n, LeakyRelu{slope});
}
void leaky_relu_backward(const float* x, const float* grad_y, float* grad_x, int64_t n,
                         float slope) {
  launch_map2(x, grad_y, grad_x, n, LeakyReluBackward{slope});
}

void elu_forward(const float* x, float* y, int64_t n, float alpha) {
  launch_map(x, y, n, Elu{alpha});
}
void elu_backward(const float* y, const float* grad_y, float* grad_x, int64_t n, float alpha) {
  launch_map2(y, grad_y, grad_x, n, EluBackward{alpha});
}

void sigmoid_forward(const float* x, float* y, int64_t n) { launch_map(x, y, n, Sigmoid{}); }
void sigmoid_backward(const float* y, const float* grad_y, float* grad_x, int64_t n) {
  launch_map2(y, grad_y, grad_x, n, SigmoidBackward{});
}

void tanh_forward(const float* x, float* y, int64_t n) { launch_map(x, y, n, Tanh{}); }
void tanh_backward(const float* y, const float* grad_y, float* grad_x, int64_t n) {
  launch_map2(y, grad_y, grad_x, n, TanhBackward{});
}

}  // namespace leuko::LEUKO_CUDA_NS
