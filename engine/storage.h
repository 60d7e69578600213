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

// Host memory for data on its way to a GPU: page-locked (so the copy can be asynchronous)
// when a real CUDA device is in use, ordinary host memory otherwise. Device::cpu either way.
std::shared_ptr<Storage> allocate_pinned(size_t bytes);

// Whether `device` can be used in this process: cpu and cuda-emu always; cuda when the
// CUDA backend was built and a GPU is present.
bool device_available(Device device);
std::string device_description(Device device);  // "NVIDIA H100 80GB HBM3", "SIMT emulator", ...

// Waits for the device's queued work (a no-op on the CPU).
void synchronize(Device device);

// Byte copies between any two storages' memory, whatever their devices.
void copy_bytes(void* dst, Device dst_device, const void* src, Device src_device, size_t bytes);

}  // namespace leuko
