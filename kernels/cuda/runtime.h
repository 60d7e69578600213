// The CUDA backends' memory and device runtime, as the engine sees it: device memory from
// a caching allocator (no cudaMalloc per op), copies, synchronization.
#pragma once

#include <cstddef>
#include <string>

#include "kernels/cuda/backends.h"

LEUKO_CUDA_BACKENDS(
  int device_count();         // GPUs usable now (the emulator always has one)
  std::string device_name();  // of device 0
  void* device_malloc(std::size_t bytes);
  void device_free(void* pointer);  // back to the cache
  void release_cached_memory();     // hands cached blocks back to the driver
  void copy_to_host(void* host, const void* device, std::size_t bytes);
  void copy_from_host(void* device, const void* host, std::size_t bytes);
  void copy_on_device(void* destination, const void* source, std::size_t bytes);
  void synchronize();
  // Page-locked host memory: copies from it to the device can run asynchronously.
  void* pinned_host_malloc(std::size_t bytes);
  void pinned_host_free(void* pointer);
)
