// Data-parallel training steps on this rank, three ways side by side (one step of each per
// round, so that the machine's drift falls on all three alike):
//   local            forward, backward, Adam: what the step costs with no other rank;
//   after-backward   the gradients all-reduced once backward has ended (no overlap);
//   overlapped       each bucket's all-reduce started as soon as backward has finished it.
// overlapped - (the slowest rank's local) is what communication costs a step;
// after-backward - overlapped is what overlap saves. Every rank starts every step together (a
// barrier, untimed), so the slower rank's wait is in the timed collectives, as in training. Alone
// (no mpirun) the three differ only by the reducer's copies.
#include <algorithm>
#include <chrono>

#include <omp.h>

#include "bench/benchmarks.h"
#include "engine/distributed/gradient_reducer.h"
#include "engine/ops.h"
#include "engine/optim/adam.h"
#include "engine/random.h"

namespace leuko::bench {

nlohmann::json data_parallel_step(const TrainStepCase& c, distributed::Communicator& ranks,
                                  int64_t bucket_bytes, const Progress& progress) {
  manual_seed(static_cast<uint64_t>(ranks.rank()));  // each rank its own images
  const Tensor images = rand({c.batch, 3, c.height, c.width});
  std::vector<int64_t> label_values(c.batch);
  for (int64_t i = 0; i < c.batch; ++i) label_values[i] = i % std::max<int64_t>(c.classes, 1);
  const Tensor labels = from_vector_i64(label_values, {c.batch});
  c.net->train();
  distributed::broadcast_tensors(ranks, c.net->parameters());
  const std::vector<Tensor> parameters = c.net->trainable_parameters();
  optim::Adam optimizer(parameters, {.lr = 1e-4});
  distributed::GradientReducer overlapped(ranks, parameters, bucket_bytes, /*overlap=*/true);
  distributed::GradientReducer after_backward(ranks, parameters, bucket_bytes, false);
  const double share = 1.0 / ranks.size();  // every rank holds c.batch images

  enum Mode { local, after, overlap };
  const char* names[] = {"local", "after-backward", "overlapped"};
  std::vector<double> seconds[3];
  const int rounds = static_cast<int>(c.steps) + 2;  // the first 2 are warm-up
  for (int round = 0; round < rounds; ++round) {
    for (int mode : {local, after, overlap}) {
      progress("data_parallel", round * 3 + mode + 1, rounds * 3,
               c.model + " " + names[mode] + (round < 2 ? " (warm-up)" : ""));
      ranks.barrier();
      const auto start = std::chrono::steady_clock::now();
      const Tensor output = c.forward(images);
      const Tensor loss = c.classes > 0 ? cross_entropy(output, labels) : mse_loss(output, images);
      if (mode == local) loss.backward();
      if (mode == after) after_backward.backward(loss, share);
      if (mode == overlap) overlapped.backward(loss, share);
      optimizer.step();
      optimizer.zero_grad();
      const double s =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (round >= 2) seconds[mode].push_back(s);
    }
  }
  const auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  const double local_s = median(seconds[local]), after_s = median(seconds[after]),
               overlapped_s = median(seconds[overlap]);
  // The slowest rank's local step: the others wait for it in every collective, so the
  // communication proper is what the overlapped step takes beyond it.
  Tensor local_by_rank = zeros({ranks.size()});
  local_by_rank.data<float>()[ranks.rank()] = static_cast<float>(local_s);
  ranks.all_reduce_sum_now(local_by_rank);
  const std::vector<float> all_local = local_by_rank.to_vector();
  const double slowest_local_s = *std::max_element(all_local.begin(), all_local.end());
  int64_t gradient_floats = 0;
  for (const Tensor& p : parameters) gradient_floats += p.numel();
  return {{"model", c.model},
          {"ranks", ranks.size()},
          {"backend", ranks.backend()},
          {"threads_per_rank", omp_get_max_threads()},
          {"batch_per_rank", c.batch},
          {"input", {3, c.height, c.width}},
          {"gradient_bytes", 4 * gradient_floats},
          {"buckets", overlapped.buckets()},
          {"buckets_started_during_backward", overlapped.buckets_started_during_backward()},
          {"local_step_s", local_s},
          {"slowest_rank_local_step_s", slowest_local_s},
          {"after_backward_step_s", after_s},
          {"overlapped_step_s", overlapped_s},
          {"images_per_s", static_cast<double>(c.batch * ranks.size()) / overlapped_s},
          {"communication_s", overlapped_s - slowest_local_s},
          {"overlap_saves_s", after_s - overlapped_s}};
}

}  // namespace leuko::bench
