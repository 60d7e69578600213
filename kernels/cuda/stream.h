// The CUDA backends' streams, as the engine sees them (plain C++, no CUDA types).
//
// Every launcher, copy, cuBLAS and cuDNN call runs on the current stream (common.cuh's
// current_stream()). That is the backend's compute stream: one non-blocking stream for the
// process (device 0, the only device the project uses), made on first use. It is
// non-blocking so that it never waits for, or holds up, work on the legacy default stream
// that a library might queue; everything the backend does is ordered on it explicitly.
//
// A second stream, the copy stream, carries uploads of host batches (upload_async) so that
// the next batch's copy overlaps the current step's kernels; an event orders the compute
// stream's later work after the copy.
//
// StreamGuard makes another stream current for a scope, fork-join style: the stream first
// waits for the work already queued on the previous one, and when the scope ends the
// previous stream waits for the guarded one. So results made under a guard are safe to use
// after it, and device memory that the caching allocator recycles between the two streams
// is never reused before the work that last touched it. (The price: work under a guard does
// not overlap the compute stream's earlier work. It isolates; it does not parallelize.)
#pragma once

#include <cstddef>

#include "kernels/cuda/backends.h"

LEUKO_CUDA_BACKENDS(
    // A stream of this backend, non-blocking, destroyed with the object (after its work).
    class Stream {
     public:
      Stream();
      ~Stream();
      Stream(const Stream&) = delete;
      Stream& operator=(const Stream&) = delete;
      void synchronize() const;                 // the host waits for the stream's work
      void* handle() const { return handle_; }  // its cudaStream_t

     private:
      void* handle_ = nullptr;
    };

    // Makes `stream` the calling host thread's current stream until the guard ends (see above).
    class StreamGuard {
     public:
      explicit StreamGuard(const Stream& stream);
      ~StreamGuard();
      StreamGuard(const StreamGuard&) = delete;
      StreamGuard& operator=(const StreamGuard&) = delete;

     private:
      void* guarded_;
      void* previous_current_;  // the previous guard's stream, or nullptr: the compute stream
    };

    // The current stream's cudaStream_t, for code that cannot include common.cuh.
    void* current_stream_handle();

    // Copies `bytes` bytes of host memory to device memory on the copy stream and returns at
    // once, with a handle for wait_for_upload. The copy first waits for the work queued so
    // far on the current stream (which may still use `device`'s memory: the caching allocator
    // hands freed blocks out again at once). `host` must stay unchanged until the copy is
    // waited for. From page-locked memory the copy is truly asynchronous.
    void* upload_async(void* device, const void* host, std::size_t bytes);
    // Orders the current stream's later work after the upload (the host does not wait) and
    // releases the handle. Every handle upload_async returns must come here exactly once.
    void wait_for_upload(void* upload);)
