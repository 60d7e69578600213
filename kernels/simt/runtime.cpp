#include "kernels/simt/runtime.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <unordered_set>
#include <utility>

#include "kernels/simt/launch.h"

namespace leuko::simt::api {

struct CUstream_st {
  unsigned int flags;
};

struct CUevent_st {
  unsigned int flags;
  bool recorded = false;
  std::chrono::steady_clock::time_point when;
};

}  // namespace leuko::simt::api

namespace leuko::simt {

using namespace api;

static thread_local constinit cudaError_t last_error = cudaSuccess;
static std::atomic<cudaError_t> pending_kernel_fault{cudaSuccess};

cudaError_t record_error(cudaError_t error) {
  if (error != cudaSuccess) last_error = error;
  return error;
}

void record_kernel_fault(cudaError_t error) {
  record_error(error);
  pending_kernel_fault.store(error);
}

// What every synchronize reports: the fault of a kernel that has failed since the last one.
static cudaError_t synchronize() {
  return record_error(pending_kernel_fault.exchange(cudaSuccess));
}

// Live allocations, so that freeing a pointer that was never allocated (or freeing it with
// the wrong function) is an error, as on a GPU, rather than heap corruption.
namespace {
struct Allocations {
  std::mutex mutex;
  std::unordered_set<void*> device, pinned;
};
Allocations& allocations() {
  static Allocations all;
  return all;
}
}  // namespace

static constexpr std::size_t allocation_alignment = 256;  // what cudaMalloc guarantees

static cudaError_t allocate(void** pointer, std::size_t bytes, std::unordered_set<void*>& live) {
  if (pointer == nullptr) return record_error(cudaErrorInvalidValue);
  *pointer = nullptr;
  if (bytes == 0) return cudaSuccess;
  if (bytes > SIZE_MAX - allocation_alignment) return record_error(cudaErrorMemoryAllocation);
  const std::size_t rounded = (bytes + allocation_alignment - 1) / allocation_alignment * allocation_alignment;
  void* memory = std::aligned_alloc(allocation_alignment, rounded);
  if (memory == nullptr) return record_error(cudaErrorMemoryAllocation);
  std::lock_guard lock(allocations().mutex);
  live.insert(memory);
  *pointer = memory;
  return cudaSuccess;
}

static cudaError_t release(void* pointer, std::unordered_set<void*>& live) {
  if (pointer == nullptr) return cudaSuccess;
  {
    std::lock_guard lock(allocations().mutex);
    if (live.erase(pointer) == 0) return record_error(cudaErrorInvalidValue);
  }
  std::free(pointer);
  return cudaSuccess;
}

}  // namespace leuko::simt

namespace leuko::simt::api {

// ---- Memory ---------------------------------------------------------------------------------

cudaError_t cudaMalloc(void** pointer, std::size_t bytes) {
  return allocate(pointer, bytes, allocations().device);
}
cudaError_t cudaFree(void* pointer) { return release(pointer, allocations().device); }
cudaError_t cudaMallocHost(void** pointer, std::size_t bytes) {
  return allocate(pointer, bytes, allocations().pinned);
}
cudaError_t cudaFreeHost(void* pointer) { return release(pointer, allocations().pinned); }

cudaError_t cudaMemcpy(void* destination, const void* source, std::size_t bytes,
                       cudaMemcpyKind kind) {
  if (kind < cudaMemcpyHostToHost || kind > cudaMemcpyDefault)
    return record_error(cudaErrorInvalidMemcpyDirection);
  if (bytes == 0) return cudaSuccess;
  if (destination == nullptr || source == nullptr) return record_error(cudaErrorInvalidValue);
  std::memmove(destination, source, bytes);
  return cudaSuccess;
}

cudaError_t cudaMemcpyAsync(void* destination, const void* source, std::size_t bytes,
                            cudaMemcpyKind kind, cudaStream_t /*stream: copies are synchronous*/) {
  return cudaMemcpy(destination, source, bytes, kind);
}

cudaError_t cudaMemset(void* destination, int byte_value, std::size_t bytes) {
  if (bytes == 0) return cudaSuccess;
  if (destination == nullptr) return record_error(cudaErrorInvalidValue);
  std::memset(destination, byte_value, bytes);
  return cudaSuccess;
}

cudaError_t cudaMemsetAsync(void* destination, int byte_value, std::size_t bytes,
                            cudaStream_t /*stream: synchronous*/) {
  return cudaMemset(destination, byte_value, bytes);
}

// ---- Streams and events -----------------------------------------------------------------------

cudaError_t cudaStreamCreate(cudaStream_t* stream) {
  return cudaStreamCreateWithFlags(stream, cudaStreamDefault);
}

cudaError_t cudaStreamCreateWithFlags(cudaStream_t* stream, unsigned int flags) {
  if (stream == nullptr || flags > cudaStreamNonBlocking) return record_error(cudaErrorInvalidValue);
  *stream = new CUstream_st{flags};
  return cudaSuccess;
}

cudaError_t cudaStreamDestroy(cudaStream_t stream) {
  if (stream == nullptr) return record_error(cudaErrorInvalidResourceHandle);
  delete stream;
  return cudaSuccess;
}

cudaError_t cudaStreamSynchronize(cudaStream_t /*stream: all work is done already*/) {
  return synchronize();
}

cudaError_t cudaStreamWaitEvent(cudaStream_t /*stream*/, cudaEvent_t event, unsigned int /*flags*/) {
  return event == nullptr ? record_error(cudaErrorInvalidResourceHandle) : cudaSuccess;
}

cudaError_t cudaEventCreate(cudaEvent_t* event) {
  return cudaEventCreateWithFlags(event, cudaEventDefault);
}

cudaError_t cudaEventCreateWithFlags(cudaEvent_t* event, unsigned int flags) {
  if (event == nullptr || flags > (cudaEventBlockingSync | cudaEventDisableTiming))
    return record_error(cudaErrorInvalidValue);
  *event = new CUevent_st{flags, false, {}};
  return cudaSuccess;
}

cudaError_t cudaEventDestroy(cudaEvent_t event) {
  if (event == nullptr) return record_error(cudaErrorInvalidResourceHandle);
  delete event;
  return cudaSuccess;
}

cudaError_t cudaEventRecord(cudaEvent_t event, cudaStream_t /*stream*/) {
  if (event == nullptr) return record_error(cudaErrorInvalidResourceHandle);
  event->recorded = true;
  event->when = std::chrono::steady_clock::now();  // everything launched before has finished
  return cudaSuccess;
}

cudaError_t cudaEventQuery(cudaEvent_t event) {
  return event == nullptr ? record_error(cudaErrorInvalidResourceHandle) : cudaSuccess;
}

cudaError_t cudaEventSynchronize(cudaEvent_t event) {
  if (event == nullptr) return record_error(cudaErrorInvalidResourceHandle);
  return synchronize();
}

cudaError_t cudaEventElapsedTime(float* milliseconds, cudaEvent_t start, cudaEvent_t end) {
  if (milliseconds == nullptr) return record_error(cudaErrorInvalidValue);
  if (start == nullptr || end == nullptr || !start->recorded || !end->recorded ||
      ((start->flags | end->flags) & cudaEventDisableTiming))
    return record_error(cudaErrorInvalidResourceHandle);
  *milliseconds = std::chrono::duration<float, std::milli>(end->when - start->when).count();
  return cudaSuccess;
}

// ---- Device and errors ------------------------------------------------------------------------

cudaError_t cudaDeviceSynchronize() { return synchronize(); }

cudaError_t cudaGetDeviceCount(int* count) {
  if (count == nullptr) return record_error(cudaErrorInvalidValue);
  *count = 1;
  return cudaSuccess;
}

cudaError_t cudaGetDevice(int* device) {
  if (device == nullptr) return record_error(cudaErrorInvalidValue);
  *device = 0;
  return cudaSuccess;
}

cudaError_t cudaSetDevice(int device) {
  return device == 0 ? cudaSuccess : record_error(cudaErrorInvalidDevice);
}

cudaError_t cudaGetDeviceProperties(cudaDeviceProp* properties, int device) {
  if (properties == nullptr) return record_error(cudaErrorInvalidValue);
  if (device != 0) return record_error(cudaErrorInvalidDevice);
  *properties = {};
  std::strncpy(properties->name, "leuko SIMT emulator (host CPU)", sizeof properties->name - 1);
  properties->totalGlobalMem =
      static_cast<std::size_t>(sysconf(_SC_PHYS_PAGES)) * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  properties->sharedMemPerBlock = max_shared_bytes_per_block;
  properties->sharedMemPerMultiprocessor = max_shared_bytes_per_block;
  properties->totalConstMem = 64 * 1024;
  properties->regsPerBlock = 65536;
  properties->warpSize = warpSize;
  properties->maxThreadsPerBlock = static_cast<int>(max_threads_per_block);
  for (int axis = 0; axis < 3; ++axis) {
    properties->maxThreadsDim[axis] = static_cast<int>(max_block_dim[axis]);
    properties->maxGridSize[axis] = static_cast<int>(max_grid_dim[axis]);
  }
  properties->maxThreadsPerMultiProcessor = static_cast<int>(max_threads_per_block);
  properties->multiProcessorCount = static_cast<int>(block_worker_count());
  properties->major = 8;  // kernels may use what sm_80 offers (e.g. double atomicAdd)
  properties->minor = 0;
  return cudaSuccess;
}

cudaError_t cudaGetLastError() { return std::exchange(last_error, cudaSuccess); }

cudaError_t cudaPeekAtLastError() { return last_error; }

const char* cudaGetErrorString(cudaError_t error) {
  switch (error) {
    case cudaSuccess: return "no error";
    case cudaErrorInvalidValue: return "invalid argument";
    case cudaErrorMemoryAllocation: return "out of memory";
    case cudaErrorInvalidConfiguration: return "invalid configuration argument";
    case cudaErrorInvalidMemcpyDirection: return "invalid copy direction for memcpy";
    case cudaErrorInvalidDevice: return "invalid device ordinal";
    case cudaErrorInvalidResourceHandle: return "invalid resource handle";
    case cudaErrorLaunchFailure: return "unspecified launch failure";
  }
  return "unrecognized error code";
}

const char* cudaGetErrorName(cudaError_t error) {
  switch (error) {
    case cudaSuccess: return "cudaSuccess";
    case cudaErrorInvalidValue: return "cudaErrorInvalidValue";
    case cudaErrorMemoryAllocation: return "cudaErrorMemoryAllocation";
    case cudaErrorInvalidConfiguration: return "cudaErrorInvalidConfiguration";
    case cudaErrorInvalidMemcpyDirection: return "cudaErrorInvalidMemcpyDirection";
    case cudaErrorInvalidDevice: return "cudaErrorInvalidDevice";
    case cudaErrorInvalidResourceHandle: return "cudaErrorInvalidResourceHandle";
    case cudaErrorLaunchFailure: return "cudaErrorLaunchFailure";
  }
  return "cudaErrorUnknown";
}

}  // namespace leuko::simt::api
