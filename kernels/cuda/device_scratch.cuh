// Device memory for one launcher's intermediate results (partial sums, folded weights, a
// cuDNN workspace), from the backend's caching allocator (runtime.h), given back when the
// launcher returns or throws: no try/catch around every launch.
//
// Giving it back as soon as the kernels are queued is safe: all the work runs in stream
// order, so whoever gets the block next from the allocator touches it only after these
// kernels have finished with it.
#pragma once

#include <cstddef>

#include "kernels/cuda/common.cuh"
#include "kernels/cuda/runtime.h"

namespace leuko::LEUKO_CUDA_NS {

class DeviceScratch {
 public:
  explicit DeviceScratch(std::size_t bytes)
      : pointer_(bytes > 0 ? device_malloc(bytes) : nullptr) {}
  ~DeviceScratch() {
    if (pointer_ != nullptr) device_free(pointer_);
  }
  DeviceScratch(const DeviceScratch&) = delete;
  DeviceScratch& operator=(const DeviceScratch&) = delete;

  template <typename T>
  T* as() const {
    return static_cast<T*>(pointer_);
  }

 private:
  void* pointer_;  // null for 0 bytes
};

}  // namespace leuko::LEUKO_CUDA_NS
