#include "engine/distributed/gradient_reducer.h"

#include "engine/autograd.h"
#include "engine/error.h"
#include "engine/ops.h"

namespace leuko::distributed {

GradientReducer::GradientReducer(Communicator& communicator, std::vector<Tensor> parameters,
                                 int64_t bucket_bytes, bool overlap)
    : communicator_(communicator), parameters_(std::move(parameters)), overlap_(overlap) {
  LEUKO_CHECK(bucket_bytes > 0, "GradientReducer: bucket size ", bucket_bytes, " bytes");
  bucket_of_.resize(parameters_.size());
  offset_of_.resize(parameters_.size());
  // Last registered first: backward finishes the output layers first.
  for (int64_t i = static_cast<int64_t>(parameters_.size()) - 1; i >= 0; --i) {
    const Tensor& p = parameters_[i];
    LEUKO_CHECK(p.requires_grad() && p.is_leaf() && p.dtype() == DType::f32,
                "GradientReducer: parameter ", i, " is not a trainable float32 leaf");
    LEUKO_CHECK(index_of_.emplace(p.impl(), i).second, "GradientReducer: parameter ", i,
                " is listed twice");
    if (buckets_.empty() || buckets_.back().elements * 4 >= bucket_bytes) buckets_.emplace_back();
    Bucket& bucket = buckets_.back();
    bucket_of_[i] = static_cast<int64_t>(buckets_.size()) - 1;
    offset_of_[i] = bucket.elements;
    bucket.parameters.push_back(i);
    bucket.elements += p.numel();
  }
}

void GradientReducer::backward(const Tensor& loss, double share) {
  LEUKO_CHECK(share > 0.0 && share <= 1.0, "GradientReducer: a rank's share of the batch is ",
              share, ", expected (0, 1]");
  share_ = share;
  next_to_start_ = 0;
  started_during_backward_ = 0;
  for (Bucket& bucket : buckets_) bucket.ready = 0;
  {
    GradientReadyGuard hook([this](const Tensor& leaf) { on_gradient_ready(leaf); });
    loss.backward();
  }
  started_during_backward_ = static_cast<int64_t>(next_to_start_);
  // Buckets whose gradients never all came (parameters the loss does not reach) go now,
  // with zeros for the missing gradients: every rank must start every bucket.
  while (next_to_start_ < buckets_.size()) start(buckets_[next_to_start_++]);
  for (Bucket& bucket : buckets_) {
    bucket.pending->wait();
    bucket.pending.reset();
    for (int64_t i : bucket.parameters) {
      Tensor& p = parameters_[i];
      p.set_grad(
          bucket.buffer.slice(0, offset_of_[i], offset_of_[i] + p.numel()).reshape(p.shape()));
    }
    bucket.buffer = Tensor();  // the gradients keep it alive until zero_grad
  }
}

void GradientReducer::on_gradient_ready(const Tensor& parameter) {
  auto found = index_of_.find(parameter.impl());
  if (found == index_of_.end()) return;  // a leaf this reducer does not average
  ++buckets_[bucket_of_[found->second]].ready;
  if (overlap_) start_ready_buckets();
}

void GradientReducer::start_ready_buckets() {
  while (next_to_start_ < buckets_.size() &&
         buckets_[next_to_start_].ready ==
             static_cast<int64_t>(buckets_[next_to_start_].parameters.size()))
    start(buckets_[next_to_start_++]);
}

void GradientReducer::start(Bucket& bucket) {
  const Device device = parameters_[bucket.parameters.front()].device();
  bucket.buffer = zeros({bucket.elements}, DType::f32, device);
  for (int64_t i : bucket.parameters) {
    const Tensor& p = parameters_[i];
    const Tensor grad = p.grad();
    if (!grad.defined()) continue;  // no gradient reached it here: zeros
    const Tensor scaled = share_ == 1.0 ? grad : mul(grad, static_cast<float>(share_));
    bucket.buffer.slice(0, offset_of_[i], offset_of_[i] + p.numel())
        .copy_(scaled.reshape({p.numel()}));
  }
  bucket.pending = communicator_.all_reduce_sum(bucket.buffer);
}

}  // namespace leuko::distributed
