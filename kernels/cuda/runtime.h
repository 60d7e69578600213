// The CUDA backends' memory and device runtime, as the engine sees it: device memory from
// a caching allocator (no cudaMalloc per op), copies, synchronization. Streams: stream.h.
#pragma once

#include <cstddef>
#include <string>

#include "kernels/cuda/backends.h"

LEUKO_CUDA_BACKENDS(
    int device_count();         // GPUs usable now (the emulator always has one)
    std::string device_name();  // of device 0
    void* device_malloc(std::size_t bytes); void device_free(void* pointer);  // back to the cache
    void release_cached_memory();  // hands cached blocks back to the driver
    // Copies on the current stream (stream.h), after the work queued on it. The two with the
    // host return when the copy is done; the one on the device returns at once.
    void copy_to_host(void* host, const void* device, std::size_t bytes);
    void copy_from_host(void* device, const void* host, std::size_t bytes);
    void copy_on_device(void* destination, const void* source, std::size_t bytes);
    void synchronize();  // waits for every stream's work
    // Page-locked host memory, cached: copies from it to the device can run asynchronously
    // (upload_async in stream.h). A freed block is reused only after the uploads from it.
    void* pinned_host_malloc(std::size_t bytes); void pinned_host_free(void* pointer);)
