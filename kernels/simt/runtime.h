// The part of the CUDA runtime API a backend uses, mapped onto host memory: device memory
// is ordinary aligned heap memory, every copy is a memcpy, launches finish before they
// return, and errors follow CUDA's rules: each host thread has a last error that a failing
// call sets and cudaGetLastError reads and clears.
//
// Streams keep a GPU's ordering rules, at their strictest. An async copy or memset on a
// stream other than the legacy default one (nullptr) is queued, not done: it runs only when
// something orders it, as late as CUDA allows (a sketch of what a GPU may do, not of what
// it usually does):
//   - later work on the same stream (a launch runs its stream's queue first);
//   - cudaStreamWaitEvent / cudaEventSynchronize on an event recorded after it;
//   - cudaStreamSynchronize of its stream, cudaDeviceSynchronize, cudaFree, cudaFreeHost;
//   - work on the legacy default stream, for streams created without cudaStreamNonBlocking.
// So a kernel that reads a buffer copied on another stream without waiting for it reads
// the old contents, and a test sees it. The copy reads its source when it runs, as a copy
// from pinned memory does: the host must not reuse the source before the copy is ordered.
// Handles are checked: a stream or event that does not exist (destroyed, or never made)
// gives cudaErrorInvalidResourceHandle. An event's time is the host clock when it was
// recorded.
//
// Names and numeric codes are CUDA's, declared in leuko::simt::api (simt.h makes them
// visible unqualified), so the emulator's symbols can never be mistaken for libcudart's.
#pragma once

#include <cstddef>

namespace leuko::simt::api {

// The codes the emulator can return, with CUDA's values.
enum cudaError {
  cudaSuccess = 0,
  cudaErrorInvalidValue = 1,
  cudaErrorMemoryAllocation = 2,
  cudaErrorInvalidConfiguration = 9,
  cudaErrorInvalidMemcpyDirection = 21,
  cudaErrorInvalidDevice = 101,
  cudaErrorInvalidResourceHandle = 400,
  cudaErrorNotReady = 600,  // cudaEventQuery: the work before the event is still queued
  cudaErrorLaunchFailure = 719,
};
using cudaError_t = cudaError;

enum cudaMemcpyKind {
  cudaMemcpyHostToHost = 0,
  cudaMemcpyHostToDevice = 1,
  cudaMemcpyDeviceToHost = 2,
  cudaMemcpyDeviceToDevice = 3,
  cudaMemcpyDefault = 4,
};

struct CUstream_st;
using cudaStream_t = CUstream_st*;  // nullptr (or 0) is the default stream
struct CUevent_st;
using cudaEvent_t = CUevent_st*;

inline constexpr unsigned int cudaStreamDefault = 0;
inline constexpr unsigned int cudaStreamNonBlocking = 1;
inline constexpr unsigned int cudaEventDefault = 0;
inline constexpr unsigned int cudaEventBlockingSync = 1;
inline constexpr unsigned int cudaEventDisableTiming = 2;

// The fields of CUDA's cudaDeviceProp that a backend reads to size its launches.
struct cudaDeviceProp {
  char name[256];
  std::size_t totalGlobalMem;
  std::size_t sharedMemPerBlock;
  std::size_t sharedMemPerMultiprocessor;
  std::size_t totalConstMem;
  int regsPerBlock;
  int warpSize;
  int maxThreadsPerBlock;
  int maxThreadsDim[3];
  int maxGridSize[3];
  int maxThreadsPerMultiProcessor;
  int multiProcessorCount;  // the OS threads that run blocks
  int major;
  int minor;
};

// ---- Memory ---------------------------------------------------------------------------------
cudaError_t cudaMalloc(void** pointer, std::size_t bytes);
cudaError_t cudaFree(void* pointer);
cudaError_t cudaMallocHost(void** pointer, std::size_t bytes);
cudaError_t cudaFreeHost(void* pointer);
cudaError_t cudaMemcpy(void* destination, const void* source, std::size_t bytes,
                       cudaMemcpyKind kind);
cudaError_t cudaMemcpyAsync(void* destination, const void* source, std::size_t bytes,
                            cudaMemcpyKind kind, cudaStream_t stream = nullptr);
cudaError_t cudaMemset(void* destination, int byte_value, std::size_t bytes);
cudaError_t cudaMemsetAsync(void* destination, int byte_value, std::size_t bytes,
                            cudaStream_t stream = nullptr);

// Typed forms, as cuda_runtime.h has them: cudaMalloc(&float_pointer, bytes).
template <typename T>
inline cudaError_t cudaMalloc(T** pointer, std::size_t bytes) {
  return cudaMalloc(reinterpret_cast<void**>(pointer), bytes);
}
template <typename T>
inline cudaError_t cudaMallocHost(T** pointer, std::size_t bytes) {
  return cudaMallocHost(reinterpret_cast<void**>(pointer), bytes);
}

// ---- Streams and events -----------------------------------------------------------------------
cudaError_t cudaStreamCreate(cudaStream_t* stream);
cudaError_t cudaStreamCreateWithFlags(cudaStream_t* stream, unsigned int flags);
cudaError_t cudaStreamDestroy(cudaStream_t stream);
cudaError_t cudaStreamSynchronize(cudaStream_t stream);
cudaError_t cudaStreamWaitEvent(cudaStream_t stream, cudaEvent_t event, unsigned int flags = 0);

cudaError_t cudaEventCreate(cudaEvent_t* event);
cudaError_t cudaEventCreateWithFlags(cudaEvent_t* event, unsigned int flags);
cudaError_t cudaEventDestroy(cudaEvent_t event);
cudaError_t cudaEventRecord(cudaEvent_t event, cudaStream_t stream = nullptr);
cudaError_t cudaEventQuery(cudaEvent_t event);
cudaError_t cudaEventSynchronize(cudaEvent_t event);
// Milliseconds from `start`'s record to `end`'s.
cudaError_t cudaEventElapsedTime(float* milliseconds, cudaEvent_t start, cudaEvent_t end);

// ---- Device and errors ------------------------------------------------------------------------
cudaError_t cudaDeviceSynchronize();
cudaError_t cudaGetDeviceCount(int* count);
cudaError_t cudaGetDevice(int* device);
cudaError_t cudaSetDevice(int device);
cudaError_t cudaGetDeviceProperties(cudaDeviceProp* properties, int device);

cudaError_t cudaGetLastError();     // returns the last error and resets it to cudaSuccess
cudaError_t cudaPeekAtLastError();  // returns it and leaves it
const char* cudaGetErrorString(cudaError_t error);
const char* cudaGetErrorName(cudaError_t error);

}  // namespace leuko::simt::api

namespace leuko::simt {

// The emulated device's limits: launches beyond them fail as on a GPU.
inline constexpr unsigned max_threads_per_block = 1024;
inline constexpr unsigned max_block_dim[3] = {1024, 1024, 64};
inline constexpr unsigned max_grid_dim[3] = {2147483647u, 65535, 65535};
inline constexpr std::size_t max_shared_bytes_per_block = 48 * 1024;

// Sets the calling host thread's last error (unless `error` is cudaSuccess); returns it.
api::cudaError_t record_error(api::cudaError_t error);
// A kernel failed while running: it becomes the last error, and the next synchronize
// (device, stream or event) reports it once. Unlike a GPU's, the fault is not sticky, so
// one deliberately broken launch does not poison the rest of a test program.
void record_kernel_fault(api::cudaError_t error);

// Called by a launch before it runs: does the work queued before it on `stream` (see the
// ordering rules above). Returns cudaErrorInvalidResourceHandle, and records it, when
// `stream` is not a live stream.
api::cudaError_t order_launch_on(api::cudaStream_t stream);

}  // namespace leuko::simt

namespace leuko::simt::api {

// Writes `bytes` bytes of __constant__ (or __device__) variable `symbol`, from `offset`.
template <typename T>
inline cudaError_t cudaMemcpyToSymbol(T& symbol, const void* source, std::size_t bytes,
                                      std::size_t offset = 0,
                                      cudaMemcpyKind kind = cudaMemcpyHostToDevice) {
  if (offset + bytes > sizeof(T)) return record_error(cudaErrorInvalidValue);  // past its end
  return cudaMemcpy(reinterpret_cast<char*>(&symbol) + offset, source, bytes, kind);
}

}  // namespace leuko::simt::api
