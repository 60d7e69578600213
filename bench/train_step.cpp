// End-to-end training throughput of one network: images/s of full training steps (forward,
// loss, backward, Adam update) on random inputs, and the process's peak memory. `leuko bench
// vs-pytorch` runs it beside the same network in PyTorch (scripts/bench_pytorch.py).
#include <algorithm>

#include <omp.h>

#include "bench/benchmarks.h"
#include "bench/timing.h"
#include "engine/host_allocator.h"
#include "engine/ops.h"
#include "engine/optim/adam.h"
#include "engine/random.h"

namespace leuko::bench {

nlohmann::json train_step(const TrainStepCase& c, const Progress& progress) {
  manual_seed(0);
  const Tensor images = rand({c.batch, 3, c.height, c.width}).to(c.device);
  std::vector<int64_t> label_values(c.batch);
  for (int64_t i = 0; i < c.batch; ++i) label_values[i] = i % std::max<int64_t>(c.classes, 1);
  const Tensor labels = from_vector_i64(label_values, {c.batch}).to(c.device);
  c.net->to(c.device);
  c.net->train();
  optim::Adam optimizer(c.net->trainable_parameters(), {.lr = 1e-4});

  int index = 0;
  const int count = static_cast<int>(c.steps) + 2;
  const auto step = [&] {
    ++index;
    progress("train_step", index, count, c.model + (index <= 2 ? " (warm-up)" : " (timed)"));
    const Tensor output = c.forward(images);
    Tensor loss = c.classes > 0 ? cross_entropy(output, labels) : mse_loss(output, images);
    loss.backward();
    optimizer.step();
    optimizer.zero_grad();
    synchronize(c.device);  // a GPU step is timed when its kernels are done, not when queued
  };
  const Timing timing = time_calls(step, static_cast<int>(c.steps), 2);
  const HostAllocatorStats memory = host_allocator_stats();
  return {{"framework", "leuko"},
          {"model", c.model},
          {"batch", c.batch},
          {"device", to_string(c.device)},
          {"input", {3, c.height, c.width}},
          {"threads", omp_get_max_threads()},
          {"step_s", timing.wall_s},
          {"images_per_s", c.batch / timing.wall_s},
          {"cpu_s_per_image", timing.cpu_s / c.batch},
          {"peak_rss_mib", peak_rss_mib()},
          {"peak_tensor_mib", memory.peak_bytes_in_use / 1048576.0},
          {"fresh_allocations", memory.fresh_allocations},
          {"cached_allocations", memory.cached_allocations}};
}

}  // namespace leuko::bench
