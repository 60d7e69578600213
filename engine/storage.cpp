#include "engine/storage.h"

#include <cstdlib>
#include <cstring>
#include <utility>

#include "engine/error.h"
#include "engine/host_allocator.h"
#include "kernels/cuda/runtime.h"
#include "kernels/cuda/stream.h"

namespace leuko {

const char* to_string(Device device) {
  switch (device) {
    case Device::cpu:
      return "cpu";
    case Device::cuda:
      return "cuda";
    case Device::cuda_emu:
      return "cuda-emu";
  }
  return "?";
}

Device parse_device(const std::string& name) {
  if (name == "cpu") return Device::cpu;
  if (name == "cuda" || name == "cuda:0") return Device::cuda;
  if (name == "cuda-emu") return Device::cuda_emu;
  throw Error(cat("unknown device '", name, "': expected cpu, cuda or cuda-emu"));
}

// The two CUDA backends share one interface (kernels/cuda/runtime.h, stream.h): the real
// one when built with nvcc, and the emulated one, always.
struct DeviceRuntime {
  void* (*malloc)(size_t);
  void (*free)(void*);
  void (*to_host)(void*, const void*, size_t);
  void (*from_host)(void*, const void*, size_t);
  void (*on_device)(void*, const void*, size_t);
  void (*synchronize)();
  void* (*pinned_malloc)(size_t);
  void (*pinned_free)(void*);
  void* (*upload_async)(void*, const void*, size_t);
  void (*wait_for_upload)(void*);
};

#define LEUKO_DEVICE_RUNTIME(ns)                                                                  \
  DeviceRuntime {                                                                                 \
    ns::device_malloc, ns::device_free, ns::copy_to_host, ns::copy_from_host, ns::copy_on_device, \
        ns::synchronize, ns::pinned_host_malloc, ns::pinned_host_free, ns::upload_async,          \
        ns::wait_for_upload                                                                       \
  }

static const DeviceRuntime* runtime_for(Device device) {
  static const DeviceRuntime emulated = LEUKO_DEVICE_RUNTIME(cuda_emu);
#if LEUKO_WITH_CUDA
  static const DeviceRuntime real = LEUKO_DEVICE_RUNTIME(cuda);
  if (device == Device::cuda) return &real;
#endif
  return device == Device::cuda_emu ? &emulated : nullptr;
}

bool device_available(Device device) {
  switch (device) {
    case Device::cpu:
    case Device::cuda_emu:
      return true;
    case Device::cuda:
#if LEUKO_WITH_CUDA
      return cuda::device_count() > 0;
#else
      return false;
#endif
  }
  return false;
}

std::string device_description(Device device) {
  if (device == Device::cpu) return "host CPU";
  if (device == Device::cuda_emu) return "SIMT emulator (CUDA kernels on host fibers)";
#if LEUKO_WITH_CUDA
  if (device_available(device)) return cuda::device_name();
  return "no CUDA device found";
#else
  return "not built (no nvcc at configure time)";
#endif
}

static const DeviceRuntime& require_runtime(Device device) {
  LEUKO_CHECK(device_available(device), "device ", to_string(device), " is not available (",
              device_description(device), "): no CUDA device; use --device cpu or cuda-emu");
  return *runtime_for(device);
}

void synchronize(Device device) {
  if (device != Device::cpu) require_runtime(device).synchronize();
}

std::shared_ptr<Storage> allocate(size_t bytes, Device device) {
  auto storage = std::make_shared<Storage>();
  storage->bytes = bytes;
  storage->device = device;
  const size_t rounded = (bytes + 63) / 64 * 64;  // aligned_alloc needs a multiple
  if (device == Device::cpu) {
    storage->data = host_allocate(bytes);  // the caching host allocator
    storage->release = [bytes](void* p) { host_release(p, bytes); };
    return storage;
  }
  const DeviceRuntime& runtime = require_runtime(device);
  storage->data = runtime.malloc(rounded == 0 ? 64 : rounded);
  storage->release = runtime.free;
  return storage;
}

std::shared_ptr<Storage> allocate_pinned(size_t bytes) {
  const DeviceRuntime& runtime =
      *runtime_for(device_available(Device::cuda) ? Device::cuda : Device::cuda_emu);
  auto storage = std::make_shared<Storage>();
  storage->bytes = bytes;
  storage->device = Device::cpu;
  storage->data = runtime.pinned_malloc(bytes == 0 ? 64 : bytes);
  storage->release = runtime.pinned_free;
  return storage;
}

void copy_bytes(void* dst, Device dst_device, const void* src, Device src_device, size_t bytes) {
  if (bytes == 0) return;
  if (dst_device == Device::cpu && src_device == Device::cpu) {
    std::memcpy(dst, src, bytes);
  } else if (src_device == Device::cpu) {
    require_runtime(dst_device).from_host(dst, src, bytes);
  } else if (dst_device == Device::cpu) {
    require_runtime(src_device).to_host(dst, src, bytes);
  } else {
    LEUKO_CHECK(src_device == dst_device, "copy between ", to_string(src_device), " and ",
                to_string(dst_device), " must go through the host");
    require_runtime(src_device).on_device(dst, src, bytes);
  }
}

PendingUpload::PendingUpload(Device device, void* device_data, std::shared_ptr<Storage> host,
                             const void* host_data, size_t bytes)
    : device_(device), host_(std::move(host)) {
  LEUKO_CHECK(device != Device::cpu, "an upload goes to a CUDA device, not to the cpu");
  if (bytes > 0) upload_ = require_runtime(device).upload_async(device_data, host_data, bytes);
}

PendingUpload::PendingUpload(PendingUpload&& other) noexcept
    : device_(other.device_),
      host_(std::move(other.host_)),
      upload_(std::exchange(other.upload_, nullptr)) {}

PendingUpload::~PendingUpload() { finish(); }

void PendingUpload::finish() {
  if (upload_ != nullptr) require_runtime(device_).wait_for_upload(std::exchange(upload_, nullptr));
  host_.reset();  // page-locked memory goes back to its cache, reused only after the copy
}

}  // namespace leuko
