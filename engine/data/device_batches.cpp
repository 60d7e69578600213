#include "engine/data/device_batches.h"

#include <utility>

namespace leuko::data {

DeviceBatches::DeviceBatches(Loader& loader, Device device) : loader_(loader), device_(device) {}

void DeviceBatches::start_epoch(int64_t epoch) {
  in_flight_.reset();  // its uploads finish in order before their memory can be reused
  loader_.start_epoch(epoch);
}

// Gives every tensor of the batch a device twin and starts copying into it. The host
// tensors stay with the uploads until they finish.
std::optional<DeviceBatches::InFlight> DeviceBatches::start_upload(std::optional<Batch> host) {
  if (!host) return std::nullopt;
  InFlight flight{std::move(*host), {}};
  for (Tensor* tensor : {&flight.batch.images, &flight.batch.labels, &flight.batch.masks}) {
    if (!tensor->defined()) continue;
    const Tensor source = tensor->contiguous();
    const Tensor target = empty(source.shape(), source.dtype(), device_);
    const size_t bytes = static_cast<size_t>(source.numel()) * element_size(source.dtype());
    const char* source_data = static_cast<const char*>(source.impl()->storage->data) +
                              source.offset() * element_size(source.dtype());
    flight.uploads.emplace_back(device_, target.impl()->storage->data, source.impl()->storage,
                                source_data, bytes);
    *tensor = target;
  }
  return flight;
}

std::optional<Batch> DeviceBatches::next() {
  if (device_ == Device::cpu) return loader_.next();
  if (!in_flight_) in_flight_ = start_upload(loader_.next());  // the epoch's first batch
  if (!in_flight_) return std::nullopt;
  InFlight current = std::move(*in_flight_);
  in_flight_.reset();
  for (PendingUpload& upload : current.uploads) upload.finish();
  in_flight_ = start_upload(loader_.next());  // copies while the caller works on `current`
  return std::move(current.batch);
}

}  // namespace leuko::data
