// cross_entropy(logits [N, K], labels int64 [N], class_weights [K] optional): PyTorch's
// weighted mean sum_i w[y_i] * nll_i / sum_i w[y_i], as one fused kernel rather than
// log_softmax + gather + mean (one pass, and no [N, K] intermediate kept for backward).
// Labels and weights are validated here, before the kernel indexes with them.
#include "kernels/cpu/cross_entropy.h"

#include <cmath>

#include "engine/autograd.h"
#include "engine/device_kernels.h"
#include "engine/ops.h"
#include "kernels/cuda/cross_entropy.h"

namespace leuko {

static constexpr const char* kOp = "cross_entropy";

static Tensor dense(const Tensor& t) { return t.is_contiguous() ? t : t.clone(); }

// The GPU kernels write the loss and the weight total, and read the incoming gradient, in
// device memory (no copy back to the host in a training step); on the CPU that memory is the
// host's, and these adapters give the CPU kernels the same signatures.
static void cpu_forward(const float* logits, const int64_t* labels, const float* class_weights,
                        int64_t n, int64_t k, float* row_logsumexp, float* loss,
                        float* weight_total) {
  const cpu::CrossEntropyForward result =
      cpu::cross_entropy_forward(logits, labels, class_weights, n, k, row_logsumexp);
  *loss = result.loss;
  *weight_total = result.weight_total;
}
static void cpu_backward(const float* logits, const int64_t* labels, const float* class_weights,
                         const float* row_logsumexp, int64_t n, int64_t k,
                         const float* weight_total, const float* grad_loss, float* grad_logits) {
  cpu::cross_entropy_backward(logits, labels, class_weights, row_logsumexp, n, k, *weight_total,
                              *grad_loss, grad_logits);
}

constexpr DeviceKernels<decltype(&cpu_forward)> kForward{
    &cpu_forward, LEUKO_REAL_CUDA(&cuda::cross_entropy_forward), &cuda_emu::cross_entropy_forward};
constexpr DeviceKernels<decltype(&cpu_backward)> kBackward{
    &cpu_backward, LEUKO_REAL_CUDA(&cuda::cross_entropy_backward),
    &cuda_emu::cross_entropy_backward};

// Every label in [0, K); weights (if any) [K], finite and >= 0, with a positive total over
// this batch's labels (otherwise the mean would divide by zero).
static void check_labels_and_weights(const Tensor& labels, const Tensor& weights, int64_t n,
                                     int64_t k) {
  const int64_t* y = labels.data<int64_t>();
  for (int64_t i = 0; i < n; ++i) {
    LEUKO_CHECK(y[i] >= 0 && y[i] < k, kOp, ": label ", y[i], " at sample ", i,
                " is out of range for ", k, " classes");
  }
  if (!weights.defined()) return;
  const float* w = weights.data<float>();
  for (int64_t c = 0; c < k; ++c) {
    LEUKO_CHECK(w[c] >= 0.0f && w[c] < INFINITY, kOp, ": class weight ", c, " is ", w[c],
                "; class weights must be finite and >= 0");
  }
  double total = 0.0;
  for (int64_t i = 0; i < n; ++i) total += w[y[i]];
  LEUKO_CHECK(total > 0.0, kOp, ": the class weights of this batch's labels sum to 0, so the",
              " weighted mean is undefined (give at least one present class a positive weight)");
}

Tensor cross_entropy(const Tensor& logits, const Tensor& labels, const Tensor& class_weights) {
  check_dim(logits, 2, kOp, "logits [N, K]");
  check_dtype(logits, DType::f32, kOp, "logits");
  check_dtype(labels, DType::i64, kOp, "labels");
  const int64_t n = logits.size(0), k = logits.size(1);
  LEUKO_CHECK(n > 0 && k > 0, kOp, ": logits must have at least one sample and one class, got ",
              to_string(logits.shape()));
  LEUKO_CHECK(labels.shape() == Shape{n}, kOp, ": labels must have shape [", n,
              "] (one per row of logits ", to_string(logits.shape()), "), got ",
              to_string(labels.shape()));
  check_same_device(logits, labels, kOp);
  if (class_weights.defined()) {
    check_dtype(class_weights, DType::f32, kOp, "class_weights");
    LEUKO_CHECK(class_weights.shape() == Shape{k}, kOp, ": class_weights must have shape [", k,
                "] (one per class of logits ", to_string(logits.shape()), "), got ",
                to_string(class_weights.shape()));
    check_same_device(logits, class_weights, kOp);
  }
  const Device device = logits.device();
  const Tensor x = dense(logits), y = dense(labels);
  const Tensor w = class_weights.defined() ? dense(class_weights) : Tensor();
  // The checks read the labels and weights on the host (a copy of n labels on a GPU).
  check_labels_and_weights(y.to(Device::cpu), w.defined() ? w.to(Device::cpu) : Tensor(), n, k);

  Tensor row_logsumexp = empty({n}, DType::f32, device);
  const float* w_data = w.defined() ? w.data<float>() : nullptr;
  // 0-d, on the logits' device
  Tensor loss = empty({}, DType::f32, device), weight_total = empty({}, DType::f32, device);
  kForward.on(device, kOp)(x.data<float>(), y.data<int64_t>(), w_data, n, k,
                           row_logsumexp.data<float>(), loss.data<float>(),
                           weight_total.data<float>());
  return record(
      loss, kOp, {logits},
      [x, y, w, row_logsumexp, weight_total](const Tensor& grad_loss) -> std::vector<Tensor> {
        Tensor grad_logits = empty_like(x);
        const float* w_data = w.defined() ? w.data<float>() : nullptr;
        const Tensor g = grad_loss.contiguous();  // one float, where the device reads it
        kBackward.on(x.device(), kOp)(
            x.data<float>(), y.data<int64_t>(), w_data, row_logsumexp.data<float>(), x.size(0),
            x.size(1), weight_total.data<float>(), g.data<float>(), grad_logits.data<float>());
        return {grad_logits};
      });
}

}  // namespace leuko
