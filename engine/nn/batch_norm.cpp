#include "engine/nn/batch_norm.h"

#include "engine/distributed/sync_batch_norm.h"
#include "engine/error.h"
#include "engine/ops.h"

namespace leuko::nn {

BatchNorm::BatchNorm(const char* name, int64_t input_dim, int64_t num_features, float eps,
                     float momentum, bool affine)
    : name_(name),
      input_dim_(input_dim),
      num_features_(num_features),
      eps_(eps),
      momentum_(momentum) {
  LEUKO_CHECK(num_features > 0, name, ": num_features must be positive, got ", num_features);
  if (affine) {
    weight = register_parameter("weight", ones({num_features}));
    bias = register_parameter("bias", zeros({num_features}));
  }
  running_mean = register_buffer("running_mean", zeros({num_features}));
  running_var = register_buffer("running_var", ones({num_features}));
  num_batches_tracked = register_buffer("num_batches_tracked", zeros({}, DType::i64));
}

Tensor BatchNorm::forward(const Tensor& x) {
  check_dim(x, input_dim_, name_, "input");
  Tensor y =
      is_training() && synchronised()
          ? distributed::sync_batch_norm(x, weight, bias, running_mean, running_var, momentum_,
                                         eps_, *synchronised_)
          : batch_norm(x, weight, bias, running_mean, running_var, is_training(), momentum_, eps_);
  if (is_training()) count_batch();  // after: a failed call counts nothing
  return y;
}

Tensor BatchNorm::forward_relu(const Tensor& x, const Tensor& residual) {
  if (is_training() && synchronised()) {  // no fused kernel: the statistics need collectives
    const Tensor y = forward(x);
    return residual.defined() ? add_relu(y, residual) : relu(y);
  }
  check_dim(x, input_dim_, name_, "input");
  Tensor y = batch_norm_relu(x, weight, bias, running_mean, running_var, is_training(), momentum_,
                             eps_, residual);
  if (is_training()) count_batch();
  return y;
}

void BatchNorm::count_batch() {
  if (num_batches_tracked.device() == Device::cpu) {
    ++num_batches_tracked.data<int64_t>()[0];
  } else {  // device memory: read the count back, write the next one
    const int64_t count = num_batches_tracked.to_vector_i64()[0];
    num_batches_tracked.copy_(from_vector_i64({count + 1}, {}, num_batches_tracked.device()));
  }
}

BatchNorm2d::BatchNorm2d(int64_t num_features, float eps, float momentum, bool affine)
    : BatchNorm("BatchNorm2d", 4, num_features, eps, momentum, affine) {}

BatchNorm1d::BatchNorm1d(int64_t num_features, float eps, float momentum, bool affine)
    : BatchNorm("BatchNorm1d", 2, num_features, eps, momentum, affine) {}

}  // namespace leuko::nn
