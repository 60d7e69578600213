// The emulator's stream ordering (kernels/simt/runtime.h): a copy queued on one stream is
// seen by another stream's kernel only once that stream waits for it, the legacy stream
// waits for blocking streams only, and handles that do not exist are errors.
#include "tests/support/testing.h"

#include "tests/simt/device_array.h"
#include "tests/simt/kernels/stream_kernels.cu"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace {

bool all_equal(const std::vector<float>& values, float expected) {
  return std::all_of(values.begin(), values.end(), [=](float v) { return v == expected; });
}

}  // namespace

TEST_CASE("a copy queued on one stream reaches another stream's kernel only through an event") {
  const int n = 1000;  // not a multiple of the launch's 4 x 128 threads
  cudaStream_t copier = nullptr, worker = nullptr;
  REQUIRE(cudaStreamCreateWithFlags(&copier, cudaStreamNonBlocking) == cudaSuccess);
  REQUIRE(cudaStreamCreateWithFlags(&worker, cudaStreamNonBlocking) == cudaSuccess);
  DeviceArray<float> staged(n), out(n);  // both zero
  const std::vector<float> host(n, 3.0f);

  REQUIRE(cudaMemcpyAsync(staged.get(), host.data(), n * sizeof(float), cudaMemcpyHostToDevice,
                          copier) == cudaSuccess);
  launch_scale(staged.get(), out.get(), 2.0f, n, worker);  // not ordered after the copy
  REQUIRE(cudaGetLastError() == cudaSuccess);
  CHECK(all_equal(out.download(), 0.0f));  // it read the old contents

  cudaEvent_t copied = nullptr;
  REQUIRE(cudaEventCreateWithFlags(&copied, cudaEventDisableTiming) == cudaSuccess);
  REQUIRE(cudaEventRecord(copied, copier) == cudaSuccess);
  CHECK(cudaEventQuery(copied) == cudaErrorNotReady);  // the copy is still queued ...
  CHECK(cudaGetLastError() == cudaSuccess);            // ... which is an answer, not an error
  REQUIRE(cudaStreamWaitEvent(worker, copied) == cudaSuccess);
  launch_scale(staged.get(), out.get(), 2.0f, n, worker);
  CHECK(all_equal(out.download(), 6.0f));
  CHECK(cudaEventQuery(copied) == cudaSuccess);

  // A download queued on the worker stream is there once the host synchronizes the stream.
  std::vector<float> back(n, -1.0f);
  REQUIRE(cudaMemcpyAsync(back.data(), out.get(), n * sizeof(float), cudaMemcpyDeviceToHost,
                          worker) == cudaSuccess);
  CHECK(all_equal(back, -1.0f));
  REQUIRE(cudaStreamSynchronize(worker) == cudaSuccess);
  CHECK(all_equal(back, 6.0f));

  CHECK(cudaEventDestroy(copied) == cudaSuccess);
  CHECK(cudaStreamDestroy(copier) == cudaSuccess);
  CHECK(cudaStreamDestroy(worker) == cudaSuccess);
}

TEST_CASE("the legacy stream waits for blocking streams, not for non-blocking ones") {
  const int n = 77;
  cudaStream_t blocking = nullptr, non_blocking = nullptr;
  REQUIRE(cudaStreamCreate(&blocking) == cudaSuccess);
  REQUIRE(cudaStreamCreateWithFlags(&non_blocking, cudaStreamNonBlocking) == cudaSuccess);
  DeviceArray<std::uint8_t> a(n), b(n);
  REQUIRE(cudaMemsetAsync(a.get(), 7, n, blocking) == cudaSuccess);
  REQUIRE(cudaMemsetAsync(b.get(), 7, n, non_blocking) == cudaSuccess);

  // download() is a plain cudaMemcpy, on the legacy stream.
  CHECK(a.download() == std::vector<std::uint8_t>(n, 7));
  CHECK(b.download() == std::vector<std::uint8_t>(n, 0));
  REQUIRE(cudaStreamSynchronize(non_blocking) == cudaSuccess);
  CHECK(b.download() == std::vector<std::uint8_t>(n, 7));

  // Destroying a stream lets its queued work finish first.
  REQUIRE(cudaMemsetAsync(b.get(), 9, n, non_blocking) == cudaSuccess);
  REQUIRE(cudaStreamDestroy(non_blocking) == cudaSuccess);
  CHECK(b.download() == std::vector<std::uint8_t>(n, 9));
  // And cudaDeviceSynchronize runs everything.
  REQUIRE(cudaMemsetAsync(a.get(), 5, n, blocking) == cudaSuccess);
  REQUIRE(cudaDeviceSynchronize() == cudaSuccess);
  CHECK(a.download() == std::vector<std::uint8_t>(n, 5));
  CHECK(cudaStreamDestroy(blocking) == cudaSuccess);
}

TEST_CASE("streams and events that do not exist are cudaErrorInvalidResourceHandle") {
  REQUIRE(cudaGetLastError() == cudaSuccess);
  const int n = 10;
  DeviceArray<float> in(std::vector<float>(n, 1.0f)), out(n);
  float host[n] = {};

  cudaStream_t gone = nullptr;
  REQUIRE(cudaStreamCreateWithFlags(&gone, cudaStreamNonBlocking) == cudaSuccess);
  REQUIRE(cudaStreamDestroy(gone) == cudaSuccess);
  int not_a_stream = 0;
  for (const cudaStream_t bad : {gone, reinterpret_cast<cudaStream_t>(&not_a_stream)}) {
    CHECK(cudaStreamSynchronize(bad) == cudaErrorInvalidResourceHandle);
    CHECK(cudaMemcpyAsync(host, in.get(), sizeof host, cudaMemcpyDeviceToHost, bad) ==
          cudaErrorInvalidResourceHandle);
    CHECK(cudaMemsetAsync(out.get(), 0, sizeof host, bad) == cudaErrorInvalidResourceHandle);
    CHECK(cudaStreamDestroy(bad) == cudaErrorInvalidResourceHandle);
    launch_scale(in.get(), out.get(), 4.0f, n, bad);
    CHECK(cudaGetLastError() == cudaErrorInvalidResourceHandle);
  }
  CHECK(all_equal(out.download(), 0.0f));  // the launches ran nothing
  CHECK(host[0] == 0.0f);

  cudaEvent_t destroyed = nullptr;
  REQUIRE(cudaEventCreate(&destroyed) == cudaSuccess);
  REQUIRE(cudaEventDestroy(destroyed) == cudaSuccess);
  CHECK(cudaEventRecord(destroyed) == cudaErrorInvalidResourceHandle);
  CHECK(cudaStreamWaitEvent(nullptr, destroyed) == cudaErrorInvalidResourceHandle);
  CHECK(cudaEventQuery(destroyed) == cudaErrorInvalidResourceHandle);
  CHECK(cudaEventSynchronize(destroyed) == cudaErrorInvalidResourceHandle);
  CHECK(cudaEventDestroy(destroyed) == cudaErrorInvalidResourceHandle);
  CHECK(cudaGetLastError() == cudaErrorInvalidResourceHandle);
  CHECK(cudaGetLastError() == cudaSuccess);
}
