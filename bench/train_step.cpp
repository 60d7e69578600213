// End-to-end training throughput of one network: images/s of full training steps (forward,
// loss, backward, Adam update) on random inputs, and the process's peak resident memory.
// scripts/bench_vs_pytorch.sh runs it beside the same network in PyTorch.
//
//   bench_train_step MODEL [--batch N] [--steps S] [--device cpu|cuda|cuda-emu] [--json PATH]
//   MODEL: wbc_net (3x256x256), autoencoder (3x512x512), resnet18 (3x224x224),
//          kandel_cnn (3x320x240)
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include <omp.h>

#include "bench/timing.h"
#include "engine/host_allocator.h"
#include "engine/ops.h"
#include "engine/optim/adam.h"
#include "engine/random.h"
#include "engine/storage.h"
#include "models/kandel_cnn.h"
#include "models/prcc_autoencoder.h"
#include "models/resnet.h"
#include "models/wbc_net.h"

using namespace leuko;

namespace {

struct Setup {
  std::shared_ptr<nn::Module> net;
  Shape image;          // C, H, W
  int64_t classes = 0;  // 0: an autoencoder, trained on reconstruction (MSE)
  int64_t default_batch = 0;
};

Setup make(const std::string& model) {
  if (model == "wbc_net") return {std::make_shared<models::WbcNet>(5), {3, 256, 256}, 5, 16};
  if (model == "autoencoder")
    return {std::make_shared<models::PrccAutoencoder>(), {3, 512, 512}, 0, 8};
  if (model == "resnet18") {
    return {std::make_shared<models::ResNet>(models::ResNet::Depth::resnet18, 1000),
            {3, 224, 224},
            1000,
            32};
  }
  if (model == "kandel_cnn") return {std::make_shared<models::KandelCnn>(4), {3, 320, 240}, 4, 32};
  std::fprintf(stderr,
               "unknown model '%s': expected wbc_net, autoencoder, resnet18 or kandel_cnn\n",
               model.c_str());
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s MODEL [--batch N] [--steps S] [--device D] [--json PATH]\n",
                 argv[0]);
    return 2;
  }
  const std::string model = argv[1];
  Setup setup = make(model);
  int64_t batch = setup.default_batch, steps = 5;
  std::string json_path;
  Device device = Device::cpu;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--batch")
      batch = std::atoll(argv[i + 1]);
    else if (flag == "--steps")
      steps = std::atoll(argv[i + 1]);
    else if (flag == "--json")
      json_path = argv[i + 1];
    else if (flag == "--device")
      device = parse_device(argv[i + 1]);
  }

  manual_seed(0);
  Shape input_shape{batch};
  input_shape.insert(input_shape.end(), setup.image.begin(), setup.image.end());
  const Tensor images = rand(input_shape).to(device);
  std::vector<int64_t> label_values(batch);
  for (int64_t i = 0; i < batch; ++i) label_values[i] = i % std::max<int64_t>(setup.classes, 1);
  const Tensor labels = from_vector_i64(label_values, {batch}).to(device);
  setup.net->to(device);
  setup.net->train();
  optim::Adam optimizer(setup.net->parameters(), {.lr = 1e-4});

  const auto step = [&] {
    const Tensor output = (*setup.net)(images);
    Tensor loss = setup.classes > 0 ? cross_entropy(output, labels) : mse_loss(output, images);
    loss.backward();
    optimizer.step();
    optimizer.zero_grad();
    synchronize(device);  // a GPU step is timed when its kernels are done, not when queued
  };
  const bench::Timing timing = bench::time_calls(step, static_cast<int>(steps), 2);
  const HostAllocatorStats memory = host_allocator_stats();

  nlohmann::json result{{"framework", "leuko"},
                        {"model", model},
                        {"batch", batch},
                        {"device", to_string(device)},
                        {"input", setup.image},
                        {"threads", omp_get_max_threads()},
                        {"step_s", timing.wall_s},
                        {"images_per_s", batch / timing.wall_s},
                        {"cpu_s_per_image", timing.cpu_s / batch},
                        {"peak_rss_mib", bench::peak_rss_mib()},
                        {"peak_tensor_mib", memory.peak_bytes_in_use / 1048576.0},
                        {"fresh_allocations", memory.fresh_allocations},
                        {"cached_allocations", memory.cached_allocations}};
  bench::emit(result, json_path);
}
