// cuDNN convolutions for the real GPU backend (compiled by nvcc only; the emulated build
// sees an empty file). For each convolution shape a plan is built once and cached: the
// tensor, filter and convolution descriptors, and for each direction the fastest algorithm
// that cudnnFind* measured among those needing at most kWorkspaceLimit bytes of scratch.
// Math is plain float32 (CUDNN_FMA_MATH: no TF32), like the project's kernels. Every
// cuDNN call's status is checked.
#ifdef __CUDACC__

#include <cudnn.h>

#include <array>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>

#include "kernels/cuda/common.cuh"
#include "kernels/cuda/cudnn_conv.h"
#include "kernels/cuda/device_scratch.cuh"

namespace leuko::cuda {

namespace {

constexpr std::size_t kWorkspaceLimit = std::size_t(256) << 20;

void check_cudnn(cudnnStatus_t status, const char* what) {
  if (status != CUDNN_STATUS_SUCCESS) {
    throw std::runtime_error(std::string(what) + ": " + cudnnGetErrorString(status));
  }
}

cudnnHandle_t cudnn_handle() {
  static cudnnHandle_t handle = [] {
    cudnnHandle_t created = nullptr;
    check_cudnn(cudnnCreate(&created), "cudnnCreate");
    return created;
  }();
  check_cudnn(cudnnSetStream(handle, current_stream()), "cudnnSetStream");
  return handle;
}

cudnnTensorDescriptor_t tensor_descriptor(int64_t n, int64_t c, int64_t h, int64_t w) {
  cudnnTensorDescriptor_t descriptor = nullptr;
  check_cudnn(cudnnCreateTensorDescriptor(&descriptor), "cudnnCreateTensorDescriptor");
  check_cudnn(cudnnSetTensor4dDescriptor(descriptor, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, int(n),
                                         int(c), int(h), int(w)),
              "cudnnSetTensor4dDescriptor");
  return descriptor;
}

// Among cudnnFind*'s results (fastest first), the first that ran and fits the limit.
template <typename Perf>
const Perf& fastest_fitting(const Perf* results, int count, const char* what) {
  for (int i = 0; i < count; ++i) {
    if (results[i].status == CUDNN_STATUS_SUCCESS && results[i].memory <= kWorkspaceLimit) {
      return results[i];
    }
  }
  throw std::runtime_error(std::string(what) + ": no algorithm fits the workspace limit");
}

struct ConvPlan {
  cudnnTensorDescriptor_t x = nullptr, y = nullptr;
  cudnnTensorDescriptor_t x_bias = nullptr, y_bias = nullptr;  // [1, C, 1, 1] and [1, O, 1, 1]
  cudnnFilterDescriptor_t w = nullptr;
  cudnnConvolutionDescriptor_t conv = nullptr;
  cudnnConvolutionFwdAlgo_t forward{};
  cudnnConvolutionBwdDataAlgo_t backward_input{};
  cudnnConvolutionBwdFilterAlgo_t backward_weight{};
  std::size_t forward_bytes = 0, backward_input_bytes = 0, backward_weight_bytes = 0;
};

ConvPlan make_plan(const ConvGeometry& p) {
  ConvPlan plan;
  plan.x = tensor_descriptor(p.batch, p.channels, p.height, p.width);
  plan.y = tensor_descriptor(p.batch, p.out_channels, p.out_h, p.out_w);
  plan.x_bias = tensor_descriptor(1, p.channels, 1, 1);
  plan.y_bias = tensor_descriptor(1, p.out_channels, 1, 1);
  check_cudnn(cudnnCreateFilterDescriptor(&plan.w), "cudnnCreateFilterDescriptor");
  check_cudnn(
      cudnnSetFilter4dDescriptor(plan.w, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, int(p.out_channels),
                                 int(p.channels), int(p.kernel_h), int(p.kernel_w)),
      "cudnnSetFilter4dDescriptor");
  check_cudnn(cudnnCreateConvolutionDescriptor(&plan.conv), "cudnnCreateConvolutionDescriptor");
  check_cudnn(cudnnSetConvolution2dDescriptor(
                  plan.conv, int(p.pad_h), int(p.pad_w), int(p.stride_h), int(p.stride_w),
                  int(p.dilation_h), int(p.dilation_w), CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT),
              "cudnnSetConvolution2dDescriptor");
  check_cudnn(cudnnSetConvolutionMathType(plan.conv, CUDNN_FMA_MATH),
              "cudnnSetConvolutionMathType");

  cudnnHandle_t handle = cudnn_handle();
  int count = 0;
  cudnnConvolutionFwdAlgoPerf_t forward[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
  check_cudnn(
      cudnnFindConvolutionForwardAlgorithm(handle, plan.x, plan.w, plan.conv, plan.y,
                                           CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &count, forward),
      "cudnnFindConvolutionForwardAlgorithm");
  const auto& best_forward = fastest_fitting(forward, count, "cudnn conv2d forward");
  plan.forward = best_forward.algo;
  plan.forward_bytes = best_forward.memory;

  cudnnConvolutionBwdDataAlgoPerf_t input[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];
  check_cudnn(cudnnFindConvolutionBackwardDataAlgorithm(handle, plan.w, plan.y, plan.conv, plan.x,
                                                        CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT,
                                                        &count, input),
              "cudnnFindConvolutionBackwardDataAlgorithm");
  const auto& best_input = fastest_fitting(input, count, "cudnn conv2d input gradient");
  plan.backward_input = best_input.algo;
  plan.backward_input_bytes = best_input.memory;

  cudnnConvolutionBwdFilterAlgoPerf_t weight[CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT];
  check_cudnn(cudnnFindConvolutionBackwardFilterAlgorithm(handle, plan.x, plan.y, plan.conv, plan.w,
                                                          CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT,
                                                          &count, weight),
              "cudnnFindConvolutionBackwardFilterAlgorithm");
  const auto& best_weight = fastest_fitting(weight, count, "cudnn conv2d weight gradient");
  plan.backward_weight = best_weight.algo;
  plan.backward_weight_bytes = best_weight.memory;
  return plan;
}

// The cached plan for this shape (plans live as long as the program).
const ConvPlan& plan_for(const ConvGeometry& p) {
  static std::mutex mutex;
  static std::map<std::array<int64_t, 15>, ConvPlan> plans;
  const std::array<int64_t, 15> key{p.batch,        p.channels, p.height,   p.width,
                                    p.out_channels, p.kernel_h, p.kernel_w, p.stride_h,
                                    p.stride_w,     p.pad_h,    p.pad_w,    p.dilation_h,
                                    p.dilation_w,   p.out_h,    p.out_w};
  std::lock_guard<std::mutex> lock(mutex);
  auto it = plans.find(key);
  if (it == plans.end()) it = plans.emplace(key, make_plan(p)).first;
  return it->second;
}

}  // namespace

bool cudnn_conv2d_supports(const ConvGeometry& p) {
  const int64_t span_h = p.dilation_h * (p.kernel_h - 1) + 1;
  const int64_t span_w = p.dilation_w * (p.kernel_w - 1) + 1;
  return (p.height + 2 * p.pad_h - span_h) / p.stride_h + 1 == p.out_h &&
         (p.width + 2 * p.pad_w - span_w) / p.stride_w + 1 == p.out_w;
}

void cudnn_conv2d_forward(const float* x, const float* weight, const float* bias, float* y,
                          const ConvGeometry& problem) {
  const ConvPlan& plan = plan_for(problem);
  const DeviceScratch workspace(plan.forward_bytes);
  const float one = 1.0f, zero = 0.0f;
  check_cudnn(cudnnConvolutionForward(cudnn_handle(), &one, plan.x, x, plan.w, weight, plan.conv,
                                      plan.forward, workspace.as<void>(), plan.forward_bytes, &zero,
                                      plan.y, y),
              "cudnnConvolutionForward");
  if (bias != nullptr) {
    check_cudnn(cudnnAddTensor(cudnn_handle(), &one, plan.y_bias, bias, &one, plan.y, y),
                "cudnnAddTensor");
  }
}

void cudnn_conv2d_backward_input(const float* grad_y, const float* weight, const float* bias,
                                 float* grad_x, const ConvGeometry& problem) {
  const ConvPlan& plan = plan_for(problem);
  const DeviceScratch workspace(plan.backward_input_bytes);
  const float one = 1.0f, zero = 0.0f;
  check_cudnn(cudnnConvolutionBackwardData(cudnn_handle(), &one, plan.w, weight, plan.y, grad_y,
                                           plan.conv, plan.backward_input, workspace.as<void>(),
                                           plan.backward_input_bytes, &zero, plan.x, grad_x),
              "cudnnConvolutionBackwardData");
  if (bias != nullptr) {
    check_cudnn(cudnnAddTensor(cudnn_handle(), &one, plan.x_bias, bias, &one, plan.x, grad_x),
                "cudnnAddTensor");
  }
}

void cudnn_conv2d_backward_weight(const float* grad_y, const float* x, float* grad_weight,
                                  const ConvGeometry& problem) {
  const ConvPlan& plan = plan_for(problem);
  const DeviceScratch workspace(plan.backward_weight_bytes);
  const float one = 1.0f, zero = 0.0f;
  check_cudnn(cudnnConvolutionBackwardFilter(
                  cudnn_handle(), &one, plan.x, x, plan.y, grad_y, plan.conv, plan.backward_weight,
                  workspace.as<void>(), plan.backward_weight_bytes, &zero, plan.w, grad_weight),
              "cudnnConvolutionBackwardFilter");
}

}  // namespace leuko::cuda

#endif  // __CUDACC__
