#include "kernels/simt/runtime.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <mutex>
#include <unordered_set>
#include <utility>

#include "kernels/simt/launch.h"

namespace leuko::simt::api {

struct CUstream_st {
  unsigned int flags;
  std::uint64_t serial;  // tells this stream from a later one made at the same address
  std::deque<std::function<void()>> queued;  // async copies and memsets not done yet
  std::uint64_t enqueued = 0;                // work items ever queued here ...
  std::uint64_t done = 0;                    // ... and how many of them have run
};

struct CUevent_st {
  unsigned int flags;
  bool recorded = false;
  std::chrono::steady_clock::time_point when;
  // The work the event stands for: the first `ticket` items queued on `stream` (nullptr:
  // the legacy stream, whose work is always done).
  CUstream_st* stream = nullptr;
  std::uint64_t stream_serial = 0;
  std::uint64_t ticket = 0;
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

// ---- Stream ordering ----------------------------------------------------------------------
// The live streams and events, and the queued work of each stream (see runtime.h). One
// mutex guards them all; the queued work (memmove, memset) runs under it.
namespace {
struct Ordering {
  std::mutex mutex;
  std::unordered_set<CUstream_st*> streams;
  std::unordered_set<CUevent_st*> events;
  std::uint64_t next_serial = 1;
};
Ordering& ordering() {
  static Ordering* instance = new Ordering();  // outlives static destructors that free memory
  return *instance;
}

bool stream_exists(cudaStream_t stream) {
  return stream == nullptr || ordering().streams.count(stream) != 0;
}

bool event_exists(cudaEvent_t event) {
  return event != nullptr && ordering().events.count(event) != 0;
}

// Runs `stream`'s queued work until `until` items of it have run.
void run_queued(CUstream_st* stream, std::uint64_t until) {
  while (stream->done < until) {
    std::function<void()> work = std::move(stream->queued.front());
    stream->queued.pop_front();
    work();
    ++stream->done;
  }
}

// Runs the queued work of every stream, or only of those that the legacy stream waits for.
void run_all_queued(bool only_blocking_streams) {
  for (CUstream_st* stream : ordering().streams) {
    if (only_blocking_streams && (stream->flags & cudaStreamNonBlocking)) continue;
    run_queued(stream, stream->enqueued);
  }
}

// The stream whose work `event` stands for, if that stream still exists.
CUstream_st* recorded_stream(cudaEvent_t event) {
  CUstream_st* stream = event->stream;
  if (stream == nullptr || ordering().streams.count(stream) == 0 ||
      stream->serial != event->stream_serial)
    return nullptr;  // the legacy stream, or a destroyed stream (its work ran when it was)
  return stream;
}

// Does `work` now if `stream` is the legacy stream (after the blocking streams' queued
// work), or queues it on `stream`.
cudaError_t run_or_queue(cudaStream_t stream, std::function<void()> work) {
  std::lock_guard lock(ordering().mutex);
  if (!stream_exists(stream)) return record_error(cudaErrorInvalidResourceHandle);
  if (stream == nullptr) {
    run_all_queued(true);
    work();
  } else {
    stream->queued.push_back(std::move(work));
    ++stream->enqueued;
  }
  return cudaSuccess;
}

// Everything queued anywhere runs (cudaDeviceSynchronize, and the calls that imply it).
void run_everything_queued() {
  std::lock_guard lock(ordering().mutex);
  run_all_queued(false);
}
}  // namespace

cudaError_t order_launch_on(cudaStream_t stream) {
  std::lock_guard lock(ordering().mutex);
  if (!stream_exists(stream)) return record_error(cudaErrorInvalidResourceHandle);
  if (stream == nullptr) {
    run_all_queued(true);
  } else {
    run_queued(stream, stream->enqueued);
  }
  return cudaSuccess;
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
  const std::size_t rounded =
      (bytes + allocation_alignment - 1) / allocation_alignment * allocation_alignment;
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
// Freeing synchronizes the device, as on a GPU: queued copies into or out of it run first.
cudaError_t cudaFree(void* pointer) {
  run_everything_queued();
  return release(pointer, allocations().device);
}
cudaError_t cudaMallocHost(void** pointer, std::size_t bytes) {
  return allocate(pointer, bytes, allocations().pinned);
}
cudaError_t cudaFreeHost(void* pointer) {
  run_everything_queued();
  return release(pointer, allocations().pinned);
}

static cudaError_t check_copy(void* destination, const void* source, std::size_t bytes,
                              cudaMemcpyKind kind) {
  if (kind < cudaMemcpyHostToHost || kind > cudaMemcpyDefault)
    return record_error(cudaErrorInvalidMemcpyDirection);
  if (bytes != 0 && (destination == nullptr || source == nullptr))
    return record_error(cudaErrorInvalidValue);
  return cudaSuccess;
}

cudaError_t cudaMemcpy(void* destination, const void* source, std::size_t bytes,
                       cudaMemcpyKind kind) {
  return cudaMemcpyAsync(destination, source, bytes, kind, nullptr);  // the legacy stream: now
}

cudaError_t cudaMemcpyAsync(void* destination, const void* source, std::size_t bytes,
                            cudaMemcpyKind kind, cudaStream_t stream) {
  if (const cudaError_t error = check_copy(destination, source, bytes, kind); error != cudaSuccess)
    return error;
  return run_or_queue(stream, [=] {
    if (bytes != 0) std::memmove(destination, source, bytes);
  });
}

cudaError_t cudaMemset(void* destination, int byte_value, std::size_t bytes) {
  return cudaMemsetAsync(destination, byte_value, bytes, nullptr);
}

cudaError_t cudaMemsetAsync(void* destination, int byte_value, std::size_t bytes,
                            cudaStream_t stream) {
  if (bytes != 0 && destination == nullptr) return record_error(cudaErrorInvalidValue);
  return run_or_queue(stream, [=] {
    if (bytes != 0) std::memset(destination, byte_value, bytes);
  });
}

// ---- Streams and events -----------------------------------------------------------------------

cudaError_t cudaStreamCreate(cudaStream_t* stream) {
  return cudaStreamCreateWithFlags(stream, cudaStreamDefault);
}

cudaError_t cudaStreamCreateWithFlags(cudaStream_t* stream, unsigned int flags) {
  if (stream == nullptr || flags > cudaStreamNonBlocking)
    return record_error(cudaErrorInvalidValue);
  std::lock_guard lock(ordering().mutex);
  *stream = new CUstream_st{flags, ordering().next_serial++, {}};
  ordering().streams.insert(*stream);
  return cudaSuccess;
}

// The stream's queued work runs first, as a GPU finishes a destroyed stream's work.
cudaError_t cudaStreamDestroy(cudaStream_t stream) {
  std::lock_guard lock(ordering().mutex);
  if (stream == nullptr || !stream_exists(stream))
    return record_error(cudaErrorInvalidResourceHandle);
  run_queued(stream, stream->enqueued);
  ordering().streams.erase(stream);
  delete stream;
  return cudaSuccess;
}

cudaError_t cudaStreamSynchronize(cudaStream_t stream) {
  {
    std::lock_guard lock(ordering().mutex);
    if (!stream_exists(stream)) return record_error(cudaErrorInvalidResourceHandle);
    if (stream != nullptr) run_queued(stream, stream->enqueued);
  }
  return synchronize();
}

// Runs the work the event stands for now: the waiting stream's later work comes after it.
cudaError_t cudaStreamWaitEvent(cudaStream_t stream, cudaEvent_t event, unsigned int /*flags*/) {
  std::lock_guard lock(ordering().mutex);
  if (!stream_exists(stream) || !event_exists(event))
    return record_error(cudaErrorInvalidResourceHandle);
  if (CUstream_st* recorded = recorded_stream(event)) run_queued(recorded, event->ticket);
  return cudaSuccess;
}

cudaError_t cudaEventCreate(cudaEvent_t* event) {
  return cudaEventCreateWithFlags(event, cudaEventDefault);
}

cudaError_t cudaEventCreateWithFlags(cudaEvent_t* event, unsigned int flags) {
  if (event == nullptr || flags > (cudaEventBlockingSync | cudaEventDisableTiming))
    return record_error(cudaErrorInvalidValue);
  std::lock_guard lock(ordering().mutex);
  *event = new CUevent_st{flags, false, {}, nullptr, 0, 0};
  ordering().events.insert(*event);
  return cudaSuccess;
}

cudaError_t cudaEventDestroy(cudaEvent_t event) {
  std::lock_guard lock(ordering().mutex);
  if (!event_exists(event)) return record_error(cudaErrorInvalidResourceHandle);
  ordering().events.erase(event);
  delete event;
  return cudaSuccess;
}

cudaError_t cudaEventRecord(cudaEvent_t event, cudaStream_t stream) {
  std::lock_guard lock(ordering().mutex);
  if (!event_exists(event) || !stream_exists(stream))
    return record_error(cudaErrorInvalidResourceHandle);
  if (stream == nullptr) run_all_queued(true);  // legacy work waits for the blocking streams
  event->recorded = true;
  event->when = std::chrono::steady_clock::now();  // every launch before it has finished
  event->stream = stream;
  event->stream_serial = stream == nullptr ? 0 : stream->serial;
  event->ticket = stream == nullptr ? 0 : stream->enqueued;
  return cudaSuccess;
}

// cudaErrorNotReady while work before the event is still queued (not an error: it does
// not become the last error, as with CUDA).
cudaError_t cudaEventQuery(cudaEvent_t event) {
  std::lock_guard lock(ordering().mutex);
  if (!event_exists(event)) return record_error(cudaErrorInvalidResourceHandle);
  const CUstream_st* recorded = recorded_stream(event);
  return recorded != nullptr && recorded->done < event->ticket ? cudaErrorNotReady : cudaSuccess;
}

cudaError_t cudaEventSynchronize(cudaEvent_t event) {
  {
    std::lock_guard lock(ordering().mutex);
    if (!event_exists(event)) return record_error(cudaErrorInvalidResourceHandle);
    if (CUstream_st* recorded = recorded_stream(event)) run_queued(recorded, event->ticket);
  }
  return synchronize();
}

cudaError_t cudaEventElapsedTime(float* milliseconds, cudaEvent_t start, cudaEvent_t end) {
  if (milliseconds == nullptr) return record_error(cudaErrorInvalidValue);
  std::lock_guard lock(ordering().mutex);
  if (!event_exists(start) || !event_exists(end) || !start->recorded || !end->recorded ||
      ((start->flags | end->flags) & cudaEventDisableTiming))
    return record_error(cudaErrorInvalidResourceHandle);
  *milliseconds = std::chrono::duration<float, std::milli>(end->when - start->when).count();
  return cudaSuccess;
}

// ---- Device and errors ------------------------------------------------------------------------

cudaError_t cudaDeviceSynchronize() {
  run_everything_queued();
  return synchronize();
}

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
  properties->totalGlobalMem = static_cast<std::size_t>(sysconf(_SC_PHYS_PAGES)) *
                               static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
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
    case cudaSuccess:
      return "no error";
    case cudaErrorInvalidValue:
      return "invalid argument";
    case cudaErrorMemoryAllocation:
      return "out of memory";
    case cudaErrorInvalidConfiguration:
      return "invalid configuration argument";
    case cudaErrorInvalidMemcpyDirection:
      return "invalid copy direction for memcpy";
    case cudaErrorInvalidDevice:
      return "invalid device ordinal";
    case cudaErrorInvalidResourceHandle:
      return "invalid resource handle";
    case cudaErrorNotReady:
      return "device not ready";
    case cudaErrorLaunchFailure:
      return "unspecified launch failure";
  }
  return "unrecognized error code";
}

const char* cudaGetErrorName(cudaError_t error) {
  switch (error) {
    case cudaSuccess:
      return "cudaSuccess";
    case cudaErrorInvalidValue:
      return "cudaErrorInvalidValue";
    case cudaErrorMemoryAllocation:
      return "cudaErrorMemoryAllocation";
    case cudaErrorInvalidConfiguration:
      return "cudaErrorInvalidConfiguration";
    case cudaErrorInvalidMemcpyDirection:
      return "cudaErrorInvalidMemcpyDirection";
    case cudaErrorInvalidDevice:
      return "cudaErrorInvalidDevice";
    case cudaErrorInvalidResourceHandle:
      return "cudaErrorInvalidResourceHandle";
    case cudaErrorNotReady:
      return "cudaErrorNotReady";
    case cudaErrorLaunchFailure:
      return "cudaErrorLaunchFailure";
  }
  return "cudaErrorUnknown";
}

}  // namespace leuko::simt::api
