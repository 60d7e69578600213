// BatchNorm1d and BatchNorm2d, as torch.nn defines them (track_running_stats on): parameters
// "weight" (ones) and "bias" (zeros) when affine, buffers "running_mean" (zeros),
// "running_var" (ones) and "num_batches_tracked" (int64, shape []), so torchvision state
// dicts load by name. In training mode a forward normalizes with the batch's statistics,
// moves the running buffers and counts the batch; in eval mode it uses the running buffers.
// Synchronised over a communicator (data-parallel training), the batch's statistics are
// those of all ranks' images together (engine/distributed/sync_batch_norm.h).
#pragma once

#include "engine/nn/module.h"

namespace leuko::distributed {
class Communicator;
}

namespace leuko::nn {

// The part both share; the subclasses only fix the input rank.
class BatchNorm : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  // relu(forward(x) + residual) in one fused pass (engine op batch_norm_relu), for
  // conv-BN-ReLU steps (no residual) and residual blocks' ends (residual = the shortcut, of
  // x's shape).
  Tensor forward_relu(const Tensor& x, const Tensor& residual = Tensor());
  // num_batches_tracked += 1, wherever the buffer lives: what a training-mode forward does
  // after normalizing, for a module that normalizes with this one's tensors in a fused op
  // (nn::ConvBnRelu).
  void count_batch();

  // While training, normalize with the statistics of every rank's batch (null: this
  // process's batch only, the default).
  void synchronise_over(distributed::Communicator* communicator) { synchronised_ = communicator; }
  bool synchronised() const { return synchronised_ != nullptr; }

  int64_t num_features() const { return num_features_; }
  float eps() const { return eps_; }
  float momentum() const { return momentum_; }

  Tensor weight, bias;  // undefined when affine is off
  Tensor running_mean, running_var, num_batches_tracked;

 protected:
  BatchNorm(const char* name, int64_t input_dim, int64_t num_features, float eps, float momentum,
            bool affine);

 private:
  const char* name_;   // for error messages: "BatchNorm2d"
  int64_t input_dim_;  // 2 for [N, C], 4 for [N, C, H, W]
  int64_t num_features_;
  float eps_, momentum_;
  distributed::Communicator* synchronised_ = nullptr;
};

// Over [N, C, H, W]: one mean and variance per channel over N, H and W.
class BatchNorm2d : public BatchNorm {
 public:
  explicit BatchNorm2d(int64_t num_features, float eps = 1e-5f, float momentum = 0.1f,
                       bool affine = true);
};

// Over [N, C]: one mean and variance per feature over the batch.
class BatchNorm1d : public BatchNorm {
 public:
  explicit BatchNorm1d(int64_t num_features, float eps = 1e-5f, float momentum = 0.1f,
                       bool affine = true);
};

}  // namespace leuko::nn
