#include "engine/storage.h"

#include <cstdlib>
#include <cstring>
#include <map>

#include "engine/error.h"

namespace leuko {

const char* to_string(Device device) {
  switch (device) {
    case Device::cpu: return "cpu";
    case Device::cuda: return "cuda";
    case Device::cuda_emu: return "cuda-emu";
  }
  return "?";
}

Device parse_device(const std::string& name) {
  if (name == "cpu") return Device::cpu;
  if (name == "cuda" || name == "cuda:0") return Device::cuda;
  if (name == "cuda-emu") return Device::cuda_emu;
  throw Error(cat("unknown device '", name, "': expected cpu, cuda or cuda-emu"));
}

bool is_host_accessible(Device device) { return device != Device::cuda; }

static std::map<Device, DeviceBackend>& backends() {
  static std::map<Device, DeviceBackend> registry;
  return registry;
}

void register_device_backend(Device device, DeviceBackend backend) {
  backends()[device] = std::move(backend);
}

const DeviceBackend* device_backend(Device device) {
  auto it = backends().find(device);
  return it == backends().end() ? nullptr : &it->second;
}

static const DeviceBackend& require_backend(Device device) {
  const DeviceBackend* backend = device_backend(device);
  if (!backend) {
    throw Error(cat("device ", to_string(device),
                    " is not available: no CUDA device; use --device cpu or cuda-emu"));
  }
  return *backend;
}

std::shared_ptr<Storage> allocate(size_t bytes, Device device) {
  auto storage = std::make_shared<Storage>();
  storage->bytes = bytes;
  storage->device = device;
  const size_t rounded = (bytes + 63) / 64 * 64;  // aligned_alloc needs a multiple
  if (device == Device::cpu) {
    storage->data = std::aligned_alloc(64, rounded == 0 ? 64 : rounded);
    LEUKO_CHECK(storage->data != nullptr, "out of host memory allocating ", bytes, " bytes");
    storage->release = [](void* p) { std::free(p); };
    return storage;
  }
  const DeviceBackend& backend = require_backend(device);
  storage->data = backend.allocate(rounded == 0 ? 64 : rounded);
  storage->release = backend.release;
  return storage;
}

void copy_bytes(void* dst, Device dst_device, const void* src, Device src_device, size_t bytes) {
  if (bytes == 0) return;
  if (dst_device == Device::cpu && src_device == Device::cpu) {
    std::memcpy(dst, src, bytes);
  } else if (src_device == Device::cpu) {
    require_backend(dst_device).copy_from_host(dst, src, bytes);
  } else if (dst_device == Device::cpu) {
    require_backend(src_device).copy_to_host(dst, src, bytes);
  } else {
    LEUKO_CHECK(src_device == dst_device, "copy between ", to_string(src_device), " and ",
                to_string(dst_device), " must go through the host");
    require_backend(src_device).copy_on_device(dst, src, bytes);
  }
}

}  // namespace leuko
