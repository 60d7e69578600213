// The data pipeline's throughput on real images (issue 5):
//   1. decode + resize to 256x256, images/s on one thread (pbc JPEGs, 224x224);
//   2. the loader's stall while it feeds CPU training of the WBC net: the share of each
//      step spent waiting for the next batch, in the first epoch (decoding) and after it
//      (from the loader's cache). The target is under 2% after the first epoch.
#include <chrono>
#include <cstdio>
#include <string>

#include "bench/benchmarks.h"
#include "engine/data/image.h"
#include "engine/data/image_folder.h"
#include "engine/data/loader.h"
#include "engine/data/subsets.h"
#include "engine/data/transforms.h"
#include "engine/ops.h"
#include "engine/optim/adam.h"
#include "models/wbc_net.h"

namespace leuko::bench {
namespace {

using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point start) {
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

// Trains on `steps` batches of the loader's epoch `epoch`; returns {wait seconds, total seconds}.
std::pair<double, double> train_epoch(models::WbcNet& net, optim::Adam& optimizer,
                                      data::Loader& loader, int64_t epoch, int steps) {
  loader.start_epoch(epoch);
  double waiting = 0.0;
  const auto start = clock_type::now();
  for (int step = 0; step < steps; ++step) {
    const auto wait_start = clock_type::now();
    std::optional<data::Batch> batch = loader.next();
    waiting += seconds_since(wait_start);
    if (!batch) break;
    Tensor loss = cross_entropy(net(batch->images), batch->labels);
    loss.backward();
    optimizer.step();
    optimizer.zero_grad();
  }
  return {waiting, seconds_since(start)};
}

}  // namespace

nlohmann::json data_pipeline(const std::filesystem::path& root, int images, int steps,
                             const Progress& progress) {
  const data::Dataset train = data::scan_image_folder(root / "pbc" / "train");

  // 1. Decode + resize on one thread.
  progress("data_pipeline", 1, 3, "decode + resize to 256x256 on one thread");
  const int count = std::min<int>(images, static_cast<int>(train.size()));
  const auto decode_start = clock_type::now();
  int64_t checksum = 0;
  for (int i = 0; i < count; ++i) {
    const data::Image image =
        data::resize(data::read_image(train.samples[i * (train.size() / count)].image), 256, 256);
    checksum += image.pixels[0];
  }
  const double decode_s = seconds_since(decode_start);

  // 2. Loader stall while training the WBC net (batch 16, 256x256) on WBC-10.
  const data::Dataset wbc10 = data::stratified_fraction(train, 0.1, 0);
  data::LoaderOptions options;
  options.batch_size = 16;
  options.height = options.width = 256;
  options.workers = 1;
  options.seed = 0;
  data::Loader loader(wbc10, options);
  manual_seed(0);
  models::WbcNet net;
  optim::Adam optimizer(net.parameters(), {.lr = 1e-3});
  progress("data_pipeline", 2, 3, "the loader feeding training, first epoch (decoding)");
  const auto [first_wait, first_total] = train_epoch(net, optimizer, loader, 0, steps);
  // Fill the cache with the rest of the first epoch without training (as a full epoch would).
  while (loader.next()) {
  }
  progress("data_pipeline", 3, 3, "the loader feeding training, a later epoch (cached)");
  const auto [later_wait, later_total] = train_epoch(net, optimizer, loader, 1, steps);

  return {{"benchmark", "data_pipeline"},
          {"decode_resize_images", count},
          {"decode_resize_images_per_s_one_thread", count / decode_s},
          {"checksum", checksum},
          {"loader",
           {{"dataset", "WBC-10 of pbc/train"},
            {"images", wbc10.size()},
            {"batch", 16},
            {"size", 256},
            {"workers", 1},
            {"steps", steps}}},
          {"first_epoch_stall_fraction", first_wait / first_total},
          {"later_epoch_stall_fraction", later_wait / later_total},
          {"later_epoch_step_s", later_total / steps},
          {"target_later_epoch_stall_fraction", 0.02}};
}

}  // namespace leuko::bench
