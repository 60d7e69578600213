// The backend runtime: error checks, caching allocators for device and page-locked host
// memory, and copies ordered on the current stream (stream.h).
//
// Caching: cudaMalloc and cudaFree synchronize the device and cost tens of microseconds,
// so freed blocks go to a free list keyed by their rounded size and are handed out again.
// Sizes are rounded up to 512 bytes below 1 MiB and to 2 MiB above, which bounds the
// waste while letting blocks of similar size be reused. A block freed by the host may still
// be in use by kernels queued on the compute stream; handing it out again at once is safe
// because its next user's work is queued on the same stream, after them (StreamGuard and
// upload_async order other streams after the compute stream for the same reason).
//
// Under the emulator every block handed out is first filled with 0xFF bytes (NaN as
// float32, -1 as int64): an element a kernel should have written but did not shows up as
// NaN in the tests instead of as a plausible stale value.
#include <cstdio>
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
    if (status == cudaErrorMemoryAllocation) {
      cudaGetLastError();
      char message[160];
      std::snprintf(message, sizeof message,
                    "out of device memory: %zu bytes (%.2f GiB) asked for; try a smaller --batch "
                    "or input size",
                    size, static_cast<double>(size) / (1 << 30));
      throw std::runtime_error(message);
    }
    check(status, "cudaMalloc");
    block_size[block] = size;
    return block;
  }

  void release(void* block) {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = block_size.find(block);
    if (it == block_size.end())
      throw std::runtime_error("device_free: not a block of this allocator");
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
  // On the current stream: after any queued work that still writes the block's old owner.
  check(cudaMemsetAsync(block, 0xFF, rounded_size(bytes), current_stream()),
        "poisoning a new block");
#endif
  return block;
}

void device_free(void* pointer) { allocator().release(pointer); }

namespace {

// Page-locked host memory is costly to make (its pages are locked one by one) and freeing
// it synchronizes the device, so freed blocks are kept for reuse as well. A freed block may
// still be the source of an upload queued on the copy stream: it is handed out again only
// once an event recorded on the copy stream when it was freed has passed.
struct PinnedCache {
  struct FreeBlock {
    void* pointer;
    cudaEvent_t freed;
  };
  std::mutex mutex;
  std::map<std::size_t, std::vector<FreeBlock>> free_blocks;  // rounded size -> blocks
  std::map<void*, std::size_t> block_size;                    // every block we own

  void* allocate(std::size_t bytes) {
    const std::size_t size = rounded_size(bytes);
    std::lock_guard<std::mutex> lock(mutex);
    std::vector<FreeBlock>& candidates = free_blocks[size];
    for (auto it = candidates.begin(); it != candidates.end(); ++it) {
      const cudaError_t status = cudaEventQuery(it->freed);
      if (status == cudaErrorNotReady) {
        cudaGetLastError();  // "not ready" is an answer, not an error for the next check
        continue;
      }
      check(status, "cudaEventQuery (pinned block)");
      check(cudaEventDestroy(it->freed), "cudaEventDestroy");
      void* block = it->pointer;
      candidates.erase(it);
      return block;
    }
    void* block = nullptr;
    check(cudaMallocHost(&block, size), "cudaMallocHost (pinned host memory)");
    block_size[block] = size;
    return block;
  }

  void release(void* block) {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = block_size.find(block);
    if (it == block_size.end())
      throw std::runtime_error("pinned_host_free: not a block of this allocator");
    cudaEvent_t freed = nullptr;
    check(cudaEventCreateWithFlags(&freed, cudaEventDisableTiming), "cudaEventCreateWithFlags");
    check(cudaEventRecord(freed, copy_stream()), "cudaEventRecord");
    free_blocks[it->second].push_back({block, freed});
  }

  void release_locked() {
    for (auto& [size, blocks] : free_blocks) {
      for (const FreeBlock& block : blocks) {
        cudaEventSynchronize(block.freed);
        cudaEventDestroy(block.freed);
        cudaFreeHost(block.pointer);
        block_size.erase(block.pointer);
      }
      blocks.clear();
    }
  }
};

PinnedCache& pinned_cache() {
  static PinnedCache* instance = new PinnedCache();  // outlives static destructors
  return *instance;
}

}  // namespace

void release_cached_memory() {
  {
    std::lock_guard<std::mutex> lock(allocator().mutex);
    allocator().release_locked();
  }
  std::lock_guard<std::mutex> lock(pinned_cache().mutex);
  pinned_cache().release_locked();
}

// The host reads `host` as soon as this returns, so it waits for the copy (and with it for
// the work queued before it on the current stream, which wrote `device`).
void copy_to_host(void* host, const void* device, std::size_t bytes) {
  check(cudaMemcpyAsync(host, device, bytes, cudaMemcpyDeviceToHost, current_stream()),
        "copy to host");
  check(cudaStreamSynchronize(current_stream()), "copy to host (waiting for it)");
}

// Waits for the copy too: the caller may reuse `host` at once, and from page-locked memory
// an asynchronous copy would read it later.
void copy_from_host(void* device, const void* host, std::size_t bytes) {
  check(cudaMemcpyAsync(device, host, bytes, cudaMemcpyHostToDevice, current_stream()),
        "copy to device");
  check(cudaStreamSynchronize(current_stream()), "copy to device (waiting for it)");
}

// Queued on the current stream like a kernel: ordered after what wrote `source`.
void copy_on_device(void* destination, const void* source, std::size_t bytes) {
  check(cudaMemcpyAsync(destination, source, bytes, cudaMemcpyDeviceToDevice, current_stream()),
        "copy on device");
}

void synchronize() { check(cudaDeviceSynchronize(), "cudaDeviceSynchronize"); }

void* pinned_host_malloc(std::size_t bytes) { return pinned_cache().allocate(bytes); }

void pinned_host_free(void* pointer) { pinned_cache().release(pointer); }

}  // namespace leuko::LEUKO_CUDA_NS
