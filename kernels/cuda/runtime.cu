// The backend runtime: error checks, the current stream, and a caching allocator.
//
// Caching: cudaMalloc and cudaFree synchronize the device and cost tens of microseconds,
// so freed blocks go to a free list keyed by their rounded size and are handed out again.
// Sizes are rounded up to 512 bytes below 1 MiB and to 2 MiB above, which bounds the
// waste while letting blocks of similar size be reused.
//
// Under the emulator every block handed out is first filled with 0xFF bytes (NaN as
// float32, -1 as int64): an element a kernel should have written but did not shows up as
// NaN in the tests instead of as a plausible stale value.
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/cuda/common.cuh"
#include "kernels/cuda/runtime.h"

namespace leuko::LEUKO_CUDA_NS {

void check(cudaError_t status, const char* what) {
  if (status != cudaSuccess) {
    throw std::runtime_error(std::string(what) + ": " + cudaGetErrorString(status));
  }
}

cudaStream_t current_stream() { return nullptr; }

int device_count() {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) {
    cudaGetLastError();  // clear the sticky "no device" error so later checks are clean
    return 0;
  }
  return count;
}

std::string device_name() {
  cudaDeviceProp properties{};
  check(cudaGetDeviceProperties(&properties, 0), "cudaGetDeviceProperties");
  return properties.name;
}

namespace {

std::size_t rounded_size(std::size_t bytes) {
  const std::size_t quantum = bytes < (1u << 20) ? 512 : (2u << 20);
  return (bytes + quantum - 1) / quantum * quantum;
}

struct CachingAllocator {
  std::mutex mutex;
  std::map<std::size_t, std::vector<void*>> free_blocks;  // rounded size -> blocks
  std::map<void*, std::size_t> block_size;                // every block we own

  void* allocate(std::size_t bytes) {
    const std::size_t size = rounded_size(bytes);
    std::lock_guard<std::mutex> lock(mutex);
    auto it = free_blocks.find(size);
    if (it != free_blocks.end() && !it->second.empty()) {
      void* block = it->second.back();
      it->second.pop_back();
      return block;
    }
    void* block = nullptr;
    cudaError_t status = cudaMalloc(&block, size);
    if (status == cudaErrorMemoryAllocation) {  // give the cache back and try once more
      cudaGetLastError();
      release_locked();
      status = cudaMalloc(&block, size);
    }
    check(status, "cudaMalloc (out of device memory?)");
    block_size[block] = size;
    return block;
  }

  void release(void* block) {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = block_size.find(block);
    if (it == block_size.end()) throw std::runtime_error("device_free: not a block of this allocator");
    free_blocks[it->second].push_back(block);
  }

  void release_locked() {
    for (auto& [size, blocks] : free_blocks) {
      for (void* block : blocks) {
        cudaFree(block);
        block_size.erase(block);
      }
      blocks.clear();
    }
  }
};

CachingAllocator& allocator() {
  static CachingAllocator* instance = new CachingAllocator();  // outlives static destructors
  return *instance;
}

}  // namespace

void* device_malloc(std::size_t bytes) {
  void* block = allocator().allocate(bytes);
#ifndef __CUDACC__
  check(cudaMemset(block, 0xFF, rounded_size(bytes)), "poisoning a new block");
#endif
  return block;
}

void device_free(void* pointer) { allocator().release(pointer); }

void release_cached_memory() {
  std::lock_guard<std::mutex> lock(allocator().mutex);
  allocator().release_locked();
}

void copy_to_host(void* host, const void* device, std::size_t bytes) {
  check(cudaMemcpy(host, device, bytes, cudaMemcpyDeviceToHost), "copy to host");
}

void copy_from_host(void* device, const void* host, std::size_t bytes) {
  check(cudaMemcpy(device, host, bytes, cudaMemcpyHostToDevice), "copy to device");
}

void copy_on_device(void* destination, const void* source, std::size_t bytes) {
  check(cudaMemcpy(destination, source, bytes, cudaMemcpyDeviceToDevice), "copy on device");
}

void synchronize() { check(cudaDeviceSynchronize(), "cudaDeviceSynchronize"); }

void* pinned_host_malloc(std::size_t bytes) {
  void* pointer = nullptr;
  check(cudaMallocHost(&pointer, bytes), "cudaMallocHost (pinned host memory)");
  return pointer;
}

void pinned_host_free(void* pointer) { check(cudaFreeHost(pointer), "cudaFreeHost"); }

}  // namespace leuko::LEUKO_CUDA_NS
