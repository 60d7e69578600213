// Data-parallel gradients: after backward, every rank's parameters hold the gradient of the
// mean loss over the whole global batch, as PyTorch's DistributedDataParallel gives.
//
// Each rank computes the gradient of the mean loss over its own n_r images. Scaled by its
// share n_r / N (N the global batch's images) and summed over the ranks, these give the
// gradient of the mean over all N images: the gradient one process would compute on the
// whole batch (up to float rounding, and batch norm: its statistics are per rank).
//
// Overlap: the trainable parameters are grouped into buckets of about `bucket_bytes`, in the
// reverse of their registration order, which is roughly the order in which backward
// finishes them (the last layer first). A gradient-ready hook (engine/autograd.h) counts a
// bucket's finished gradients; when the last one is in, the bucket is copied (scaled) into
// one flat buffer and its all-reduce starts, while backward computes the layers before it.
// Buckets start strictly in order, the same order on every rank, as collectives must.
// finish() starts whatever is left, waits for all, and points every .grad at its slice of
// the summed buffers.
//
//   GradientReducer reducer(world(), model.trainable_parameters());
//   reducer.backward(loss, images_here / images_in_global_batch);
//   optimizer.step();
#pragma once

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "engine/distributed/communicator.h"
#include "engine/tensor.h"

namespace leuko::distributed {

class GradientReducer {
 public:
  // 1 MiB: small enough that even the WBC net (0.7 MB of gradients) is sent in a bucket or
  // more while backward runs, large enough that the latency of a collective (tens of
  // microseconds on one machine) is paid a few times a step, not once per tensor.
  static constexpr int64_t kDefaultBucketBytes = int64_t{1} << 20;

  // overlap = false starts every all-reduce after backward (to measure what overlap saves).
  GradientReducer(Communicator& communicator, std::vector<Tensor> parameters,
                  int64_t bucket_bytes = kDefaultBucketBytes, bool overlap = true);

  // loss.backward(), then the gradients summed over the ranks, each rank's scaled by
  // `share` (its images / the global batch's images, in (0, 1]).
  void backward(const Tensor& loss, double share);

  int64_t buckets() const { return static_cast<int64_t>(buckets_.size()); }
  // Buckets whose all-reduce started before backward ended, in the last backward().
  int64_t buckets_started_during_backward() const { return started_during_backward_; }

 private:
  struct Bucket {
    std::vector<int64_t> parameters;  // indices into parameters_
    int64_t elements = 0;
    int64_t ready = 0;  // gradients finished in this backward
    Tensor buffer;      // this step's flat, scaled gradients
    std::unique_ptr<Pending> pending;
  };

  void on_gradient_ready(const Tensor& parameter);
  void start_ready_buckets();  // every bucket, in order, whose gradients are all in
  void start(Bucket& bucket);

  Communicator& communicator_;
  std::vector<Tensor> parameters_;
  std::vector<int64_t> bucket_of_;  // parameter index -> bucket
  std::vector<int64_t> offset_of_;  // parameter index -> offset in its bucket's buffer
  std::unordered_map<TensorImpl*, int64_t> index_of_;
  std::vector<Bucket> buckets_;
  bool overlap_;
  double share_ = 1.0;
  size_t next_to_start_ = 0;
  int64_t started_during_backward_ = 0;
};

}  // namespace leuko::distributed
