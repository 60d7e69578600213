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
// when a real CUDA device is in use; otherwise the emulator's "page-locked" memory, which is
// ordinary host memory behind the same cache and upload path. Device::cpu either way.
std::shared_ptr<Storage> allocate_pinned(size_t bytes);

// Whether `device` can be used in this process: cpu and cuda-emu always; cuda when the
// CUDA backend was built and a GPU is present.
bool device_available(Device device);
std::string device_description(Device device);  // "NVIDIA H100 80GB HBM3", "SIMT emulator", ...

// Waits for the device's queued work (a no-op on the CPU).
void synchronize(Device device);

// Byte copies between any two storages' memory, whatever their devices. A copy with the
// host is finished when it returns; one on a device is queued on its current stream.
void copy_bytes(void* dst, Device dst_device, const void* src, Device src_device, size_t bytes);

// A copy of host memory to a CUDA device on the device's copy stream (kernels/cuda/stream.h):
// it runs while the compute stream works through what was queued before it, and the host
// does not wait for it. finish() orders the device's later work after the copy.
//
//   PendingUpload upload(Device::cuda, images_on_device, host_storage, host_data, bytes);
//   ...                    // the copy overlaps whatever the compute stream is doing
//   upload.finish();       // kernels queued from here on see the copied bytes
class PendingUpload {
 public:
  // Starts the copy. `host` (which holds `host_data`) is kept alive until finish().
  PendingUpload(Device device, void* device_data, std::shared_ptr<Storage> host,
                const void* host_data, size_t bytes);
  PendingUpload(PendingUpload&& other) noexcept;
  PendingUpload& operator=(PendingUpload&&) = delete;
  PendingUpload(const PendingUpload&) = delete;
  PendingUpload& operator=(const PendingUpload&) = delete;
  // An upload nobody finished is finished here, so that its device memory, once freed, is
  // not handed to later work before the copy into it is done.
  ~PendingUpload();

  void finish();  // idempotent; the host never waits

 private:
  Device device_;
  std::shared_ptr<Storage> host_;
  void* upload_ = nullptr;  // the backend's handle, nullptr once finished
};

}  // namespace leuko
