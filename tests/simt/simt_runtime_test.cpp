// The emulated CUDA runtime: launch-configuration errors through cudaGetLastError, memory
// (malloc/free/memcpy/memset, sync and async), streams, events, constant memory, the
// device's properties and the error names.
#include "tests/support/testing.h"

#include "tests/simt/device_array.h"
#include "tests/simt/kernels/runtime_kernels.cu"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

TEST_CASE("launches beyond the device's limits run nothing and report CUDA's error codes") {
  REQUIRE(cudaGetLastError() == cudaSuccess);
  DeviceArray<float> out(8);
  DeviceArray<int> threads_run(1);
  struct BadLaunch {
    dim3 grid, block;
    size_t shared_bytes;
    cudaError_t expected;
  };
  for (const BadLaunch bad : {
           BadLaunch{1, 1025, 0, cudaErrorInvalidConfiguration},             // too many threads
           BadLaunch{1, dim3(64, 32, 1), 0, cudaErrorInvalidConfiguration},  // 2048 in total
           BadLaunch{1, dim3(1, 1, 65), 0, cudaErrorInvalidConfiguration},   // z beyond 64
           BadLaunch{1, 0, 0, cudaErrorInvalidConfiguration},                // empty block
           BadLaunch{0, 32, 0, cudaErrorInvalidConfiguration},               // empty grid
           BadLaunch{dim3(1, 65536, 1), 32, 0, cudaErrorInvalidConfiguration},
           BadLaunch{1, 32, 48 * 1024 + 1, cudaErrorInvalidValue},  // too much shared
       }) {
    leuko_launch(touch_dynamic_shared, bad.grid, bad.block, bad.shared_bytes, nullptr,
                 static_cast<int>(bad.shared_bytes), threads_run.get());
    CHECK(cudaPeekAtLastError() == bad.expected);  // peeking leaves it ...
    CHECK(cudaGetLastError() == bad.expected);     // ... getting clears it
    CHECK(cudaGetLastError() == cudaSuccess);
  }
  CHECK(threads_run.download()[0] == 0);

  // The limits themselves are fine.
  leuko_launch(touch_dynamic_shared, 2, dim3(32, 32, 1), 48 * 1024, nullptr, 48 * 1024,
               threads_run.get());
  CHECK(cudaGetLastError() == cudaSuccess);
  CHECK(threads_run.download()[0] == 2 * 1024);
  CHECK(std::string(cudaGetErrorString(cudaErrorInvalidConfiguration)) ==
        "invalid configuration argument");
  CHECK(std::string(cudaGetErrorName(cudaErrorInvalidValue)) == "cudaErrorInvalidValue");
}

TEST_CASE("memory: malloc, memset, memcpy both ways and device to device, and bad frees") {
  const size_t n = 1000;
  float* a = nullptr;
  float* b = nullptr;
  REQUIRE(cudaMalloc(&a, n * sizeof(float)) == cudaSuccess);
  REQUIRE(cudaMalloc(&b, n * sizeof(float)) == cudaSuccess);
  CHECK(reinterpret_cast<uintptr_t>(a) % 256 == 0);

  std::vector<float> host(n);
  for (size_t i = 0; i < n; ++i) host[i] = static_cast<float>(i) - 0.5f;
  REQUIRE(cudaMemcpy(a, host.data(), n * sizeof(float), cudaMemcpyHostToDevice) == cudaSuccess);
  REQUIRE(cudaMemcpy(b, a, n * sizeof(float), cudaMemcpyDeviceToDevice) == cudaSuccess);
  std::vector<float> back(n);
  REQUIRE(cudaMemcpy(back.data(), b, n * sizeof(float), cudaMemcpyDeviceToHost) == cudaSuccess);
  CHECK(back == host);

  REQUIRE(cudaMemset(b, 0x3f, 10 * sizeof(float)) == cudaSuccess);
  REQUIRE(cudaMemcpy(back.data(), b, n * sizeof(float), cudaMemcpyDefault) == cudaSuccess);
  unsigned int pattern;
  std::memcpy(&pattern, &back[9], sizeof pattern);
  CHECK(pattern == 0x3f3f3f3fu);
  CHECK(back[10] == host[10]);

  CHECK(cudaMemcpy(back.data(), b, 4, static_cast<cudaMemcpyKind>(7)) ==
        cudaErrorInvalidMemcpyDirection);
  CHECK(cudaMemcpy(nullptr, b, 4, cudaMemcpyDeviceToHost) == cudaErrorInvalidValue);
  CHECK(cudaGetLastError() == cudaErrorInvalidValue);  // the latest failure

  void* huge = nullptr;
  CHECK(cudaMalloc(&huge, size_t{1} << 62) == cudaErrorMemoryAllocation);
  CHECK(huge == nullptr);
  CHECK(cudaFree(host.data()) == cudaErrorInvalidValue);  // never cudaMalloc'd
  CHECK(cudaFreeHost(a) == cudaErrorInvalidValue);        // the wrong free
  CHECK(cudaFree(nullptr) == cudaSuccess);
  CHECK(cudaFree(a) == cudaSuccess);
  CHECK(cudaFree(a) == cudaErrorInvalidValue);  // twice
  CHECK(cudaFree(b) == cudaSuccess);

  float* pinned = nullptr;
  REQUIRE(cudaMallocHost(&pinned, 64) == cudaSuccess);
  pinned[15] = 1.0f;  // host memory: the host may touch it directly
  CHECK(cudaFreeHost(pinned) == cudaSuccess);
  cudaGetLastError();
}

TEST_CASE("streams order async copies, memsets and launches, events time them") {
  const int n = 100'000;
  cudaStream_t stream = nullptr;
  REQUIRE(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking) == cudaSuccess);
  cudaEvent_t start = nullptr, stop = nullptr, untimed = nullptr;
  REQUIRE(cudaEventCreate(&start) == cudaSuccess);
  REQUIRE(cudaEventCreate(&stop) == cudaSuccess);
  REQUIRE(cudaEventCreateWithFlags(&untimed, cudaEventDisableTiming) == cudaSuccess);

  float elapsed = -1.0f;
  CHECK(cudaEventElapsedTime(&elapsed, start, stop) ==
        cudaErrorInvalidResourceHandle);                        // unrecorded
  CHECK(cudaGetLastError() == cudaErrorInvalidResourceHandle);  // failed calls set the last error

  DeviceArray<float> values(n);
  std::vector<float> host(n, 0.0f);
  const auto host_start = std::chrono::steady_clock::now();
  REQUIRE(cudaEventRecord(start, stream) == cudaSuccess);
  REQUIRE(cudaMemsetAsync(values.get(), 0, n * sizeof(float), stream) == cudaSuccess);
  launch_fill(values.get(), 2.5f, n, stream);
  REQUIRE(cudaGetLastError() == cudaSuccess);
  REQUIRE(cudaMemcpyAsync(host.data(), values.get(), n * sizeof(float), cudaMemcpyDeviceToHost,
                          stream) == cudaSuccess);
  REQUIRE(cudaEventRecord(stop, stream) == cudaSuccess);
  REQUIRE(cudaStreamWaitEvent(nullptr, stop) == cudaSuccess);
  REQUIRE(cudaEventSynchronize(stop) == cudaSuccess);
  REQUIRE(cudaStreamSynchronize(stream) == cudaSuccess);
  const double host_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - host_start)
          .count();

  CHECK(std::all_of(host.begin(), host.end(), [](float v) { return v == 2.5f; }));
  CHECK(cudaEventQuery(stop) == cudaSuccess);
  REQUIRE(cudaEventElapsedTime(&elapsed, start, stop) == cudaSuccess);
  CHECK(elapsed > 0.0f);
  CHECK(elapsed <= host_ms);  // the events lie inside the host's own measurement

  REQUIRE(cudaEventRecord(untimed) == cudaSuccess);
  CHECK(cudaEventElapsedTime(&elapsed, start, untimed) == cudaErrorInvalidResourceHandle);
  CHECK(cudaEventRecord(nullptr) == cudaErrorInvalidResourceHandle);
  cudaGetLastError();

  CHECK(cudaEventDestroy(start) == cudaSuccess);
  CHECK(cudaEventDestroy(stop) == cudaSuccess);
  CHECK(cudaEventDestroy(untimed) == cudaSuccess);
  CHECK(cudaStreamDestroy(stream) == cudaSuccess);
  CHECK(cudaDeviceSynchronize() == cudaSuccess);
}

TEST_CASE("cudaMemcpyToSymbol fills constant memory that kernels read") {
  const float coefficients[4] = {1.0f, -2.0f, 0.5f, 0.25f};
  REQUIRE(cudaMemcpyToSymbol(polynomial, coefficients, sizeof coefficients) == cudaSuccess);
  const int n = 50;
  DeviceArray<float> out(n);
  leuko_launch(evaluate_polynomial, 1, 64, 0, nullptr, out.get(), n);
  REQUIRE(cudaGetLastError() == cudaSuccess);
  const std::vector<float> values = out.download();
  for (int i = 0; i < n; ++i) {
    const float x = static_cast<float>(i);
    REQUIRE(values[i] == 1.0f + x * (-2.0f + x * (0.5f + x * 0.25f)));
  }
  CHECK(cudaMemcpyToSymbol(polynomial, coefficients, sizeof coefficients, 4) ==
        cudaErrorInvalidValue);
  cudaGetLastError();
}

TEST_CASE("one emulated device with a GPU's limits") {
  int count = 0, device = -1;
  REQUIRE(cudaGetDeviceCount(&count) == cudaSuccess);
  CHECK(count == 1);
  REQUIRE(cudaGetDevice(&device) == cudaSuccess);
  CHECK(device == 0);
  CHECK(cudaSetDevice(0) == cudaSuccess);
  CHECK(cudaSetDevice(1) == cudaErrorInvalidDevice);

  cudaDeviceProp properties;
  REQUIRE(cudaGetDeviceProperties(&properties, 0) == cudaSuccess);
  CHECK(properties.warpSize == 32);
  CHECK(properties.maxThreadsPerBlock == 1024);
  CHECK(properties.sharedMemPerBlock == 48 * 1024);
  CHECK(properties.maxThreadsDim[2] == 64);
  CHECK(properties.maxGridSize[1] == 65535);
  CHECK(properties.multiProcessorCount >= 2);  // blocks really run concurrently
  CHECK(properties.totalGlobalMem > 0);
  CHECK(std::string(properties.name).find("emulator") != std::string::npos);
  CHECK(cudaGetDeviceProperties(&properties, 1) == cudaErrorInvalidDevice);
  CHECK(cudaGetLastError() == cudaErrorInvalidDevice);
}
