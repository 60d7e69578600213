// Storage: a reference-counted block of memory on one device. Host memory is 64-byte
// aligned so that AVX-512 loads of a contiguous tensor never straddle a cache line.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace leuko {

enum class Device : uint8_t { cpu, cuda, cuda_emu };
const char* to_string(Device device);
Device parse_device(const std::string& name);  // "cpu", "cuda", "cuda-emu"
bool is_host_accessible(Device device);        // cpu and cuda-emu memory is plain host memory

struct Storage {
  void* data = nullptr;
  size_t bytes = 0;
  Device device = Device::cpu;
  std::function<void(void*)> release;  // set by the allocator that made it

  Storage() = default;
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  ~Storage() {
    if (data && release) release(data);
  }
};

std::shared_ptr<Storage> allocate(size_t bytes, Device device);

// A backend that owns device memory (the CUDA backend) registers how to allocate it and
// how to copy bytes between that device and the host.
struct DeviceBackend {
  std::function<void*(size_t)> allocate;
  std::function<void(void*)> release;
  std::function<void(void* dst, const void* src, size_t bytes)> copy_to_host;
  std::function<void(void* dst, const void* src, size_t bytes)> copy_from_host;
  std::function<void(void* dst, const void* src, size_t bytes)> copy_on_device;
};
void register_device_backend(Device device, DeviceBackend backend);
const DeviceBackend* device_backend(Device device);  // nullptr for cpu or when not built

// Byte copies between any two storages' memory, whatever their devices.
void copy_bytes(void* dst, Device dst_device, const void* src, Device src_device, size_t bytes);

}  // namespace leuko
