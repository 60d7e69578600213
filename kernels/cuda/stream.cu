// The backend's streams: the compute stream every launcher uses, the copy stream for
// uploads, StreamGuard, and the events that order one stream after another (see stream.h).
#include "kernels/cuda/common.cuh"
#include "kernels/cuda/stream.h"

namespace leuko::LEUKO_CUDA_NS {

namespace {

cudaStream_t new_non_blocking_stream(const char* what) {
  cudaStream_t stream = nullptr;
  check(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), what);
  return stream;
}

cudaStream_t as_stream(void* handle) { return static_cast<cudaStream_t>(handle); }

// The stream a StreamGuard of this host thread made current, or nullptr (the compute stream).
thread_local cudaStream_t guarded_stream = nullptr;

// `later`'s work from now on waits for the work queued on `earlier` so far; the host does
// not wait. The event can be destroyed at once: the wait keeps what it needs.
void order_after(cudaStream_t later, cudaStream_t earlier) {
  if (later == earlier) return;
  cudaEvent_t event = nullptr;
  check(cudaEventCreateWithFlags(&event, cudaEventDisableTiming), "cudaEventCreateWithFlags");
  check(cudaEventRecord(event, earlier), "cudaEventRecord");
  check(cudaStreamWaitEvent(later, event, 0), "cudaStreamWaitEvent");
  check(cudaEventDestroy(event), "cudaEventDestroy");
}

}  // namespace

// Both are made on first use and never destroyed: static destructors (of cached memory,
// say) may still run after a stream would have gone.
cudaStream_t compute_stream() {
  static const cudaStream_t stream = new_non_blocking_stream("creating the compute stream");
  return stream;
}

cudaStream_t copy_stream() {
  static const cudaStream_t stream = new_non_blocking_stream("creating the copy stream");
  return stream;
}

cudaStream_t current_stream() {
  return guarded_stream != nullptr ? guarded_stream : compute_stream();
}

void* current_stream_handle() { return current_stream(); }

Stream::Stream() : handle_(new_non_blocking_stream("cudaStreamCreateWithFlags")) {}

// Destroying a stream lets its queued work finish; it cannot fail for a stream we made.
Stream::~Stream() { cudaStreamDestroy(as_stream(handle_)); }

void Stream::synchronize() const {
  check(cudaStreamSynchronize(as_stream(handle_)), "cudaStreamSynchronize");
}

StreamGuard::StreamGuard(const Stream& stream)
    : guarded_(stream.handle()), previous_current_(guarded_stream) {
  order_after(as_stream(guarded_), current_stream());  // fork: after what came before
  guarded_stream = as_stream(guarded_);
}

// A failure here (a broken CUDA context) ends the program: a destructor cannot throw.
StreamGuard::~StreamGuard() {
  guarded_stream = as_stream(previous_current_);
  order_after(current_stream(), as_stream(guarded_));  // join: what follows sees its results
}

void* upload_async(void* device, const void* host, std::size_t bytes) {
  const cudaStream_t copy = copy_stream();
  order_after(copy, current_stream());
  check(cudaMemcpyAsync(device, host, bytes, cudaMemcpyHostToDevice, copy),
        "upload on the copy stream");
  cudaEvent_t copied = nullptr;
  check(cudaEventCreateWithFlags(&copied, cudaEventDisableTiming), "cudaEventCreateWithFlags");
  check(cudaEventRecord(copied, copy), "cudaEventRecord");
  return copied;
}

void wait_for_upload(void* upload) {
  const cudaEvent_t copied = static_cast<cudaEvent_t>(upload);
  check(cudaStreamWaitEvent(current_stream(), copied, 0), "cudaStreamWaitEvent");
  check(cudaEventDestroy(copied), "cudaEventDestroy");
}

}  // namespace leuko::LEUKO_CUDA_NS
