// A loader's batches on a CUDA device, one upload ahead: while the caller's step runs on the
// device's compute stream, the next batch is copied on its copy stream
// (kernels/cuda/stream.h), from page-locked memory when the loader has pin_memory set.
//
//   DeviceBatches batches(loader, Device::cuda);
//   for (int64_t epoch = 0; epoch < epochs; ++epoch) {
//     batches.start_epoch(epoch);
//     while (std::optional<Batch> batch = batches.next()) train_step(batch->images, batch->labels);
//   }
//
// next() hands out batch i, its copy ordered before every kernel queued from then on (the
// host does not wait for it), and starts batch i+1's copy before it returns, so that copy
// runs during step i. (It takes batch i+1 from the loader first: when the loader's workers
// are behind, next() waits for them one batch earlier than the loader alone would.)
// On the CPU the loader's batches pass through unchanged.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "engine/data/loader.h"

namespace leuko::data {

class DeviceBatches {
 public:
  DeviceBatches(Loader& loader, Device device);

  // Begins the loader's epoch `epoch`; a batch already on its way is dropped.
  void start_epoch(int64_t epoch);
  // The next batch of the epoch with its tensors on the device, or nothing at its end.
  std::optional<Batch> next();

 private:
  struct InFlight {
    Batch batch;  // its tensors on the device, being written by `uploads`
    std::vector<PendingUpload> uploads;
  };
  std::optional<InFlight> start_upload(std::optional<Batch> host);

  Loader& loader_;
  Device device_;
  std::optional<InFlight> in_flight_;
};

}  // namespace leuko::data
