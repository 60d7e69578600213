// The one header a CUDA source (.cu) of this project includes. It makes the same file
// build two ways:
//
//   nvcc      real GPU code. This header only adds leuko_launch (which is <<<...>>>) and
//             LEUKO_DYNAMIC_SHARED.
//   g++       the SIMT emulator: the kernel runs on the CPU, unchanged, for machines
//             without a GPU and for tests (see leuko_add_emulated_cuda_sources in
//             kernels/simt/CMakeLists.txt).
//
// Launch every kernel with
//     leuko_launch(kernel, grid, block, shared_bytes, stream, args...);
// and declare dynamic shared memory, inside the kernel, with
//     LEUKO_DYNAMIC_SHARED(float, tile);      // nvcc: extern __shared__ float tile[];
// (`extern __shared__ T name[]` itself cannot be emulated: in host C++ it declares an
// array defined somewhere else, and nothing defines it.)
//
// ---- How the emulator works -------------------------------------------------------------
// Grid:     the blocks of a launch are spread over a small pool of OS threads (one per
//           core, at least two); each OS thread runs whole blocks, one after the other.
//           leuko_launch returns when the grid has finished (launch.h).
// Block:    each CUDA thread is a fiber (Boost.Context, 7-20 ns per switch) on the OS
//           thread of its block. A fiber runs until it returns or reaches a barrier, where
//           it switches back to the block's runner (block_runner.h). Fiber stacks are
//           pooled and reused across blocks.
// Indices:  threadIdx, blockIdx, blockDim, gridDim read thread-local variables that the
//           runner sets before it resumes a fiber (builtins.h). warpSize is 32.
// Shared:   static `__shared__ T x[N]` is a block-scope thread_local, one copy per OS
//           thread and so per running block; dynamic shared memory is a 48 KiB buffer per
//           OS thread (block_runner.h).
// Barriers: __syncthreads suspends the fiber until every thread of the block that has not
//           returned has arrived; the runner then resumes them.
// Warps:    lanes are 32 consecutive threads (in x, then y, then z order). __syncwarp,
//           __shfl_sync / _up / _down / _xor and __ballot_sync / __any_sync / __all_sync are
//           warp barriers: every lane in the mask publishes a value and waits for the
//           others, then reads the lane it asked for (sync.h).
// Atomics:  std::atomic_ref on the kernel's memory, for CUDA's types (atomics.h).
// Math:     the intrinsics computed exactly (math_intrinsics.h).
// Runtime:  cudaMalloc, cudaMemcpy, streams, events, errors, device properties on host
//           memory; an async copy on a stream waits in that stream's queue until
//           something orders it (a launch on its stream, an event wait, a synchronize),
//           so a missing cross-stream wait shows up as stale data; the limits of a
//           plausible device: 1024 threads and 48 KiB of dynamic shared memory per
//           block (runtime.h). A launch beyond them runs nothing and cudaGetLastError
//           reports cudaErrorInvalidConfiguration (threads, grid) or
//           cudaErrorInvalidValue (shared memory).
//
// ---- Limits: what a kernel must not rely on ---------------------------------------------
// - No preemption: a thread runs until it returns or synchronises, so a thread that spins
//   waiting for another thread OF ITS OWN BLOCK to write something spins forever. (Blocks
//   do run concurrently, on different OS threads.)
// - Threads of a warp do not run in lockstep. Code that exchanges data inside a warp
//   without __syncwarp or a *_sync intrinsic (pre-Volta "warp-synchronous" style) gets
//   wrong answers here, as it may on sm_70 and later.
// - Every lane named in a warp intrinsic's mask must reach that intrinsic: a warp
//   shuffle after `if (i >= n) return;` is undefined on a GPU; here it stops the block
//   with a description of the deadlock and the launch fails with cudaErrorLaunchFailure
//   (reported by cudaGetLastError and the next synchronize).
// - __syncthreads is counted per block, not per call site, and returned threads count as
//   arrived; a GPU is stricter (a barrier in divergent code is undefined there).
// - The size of static __shared__ arrays is not checked against the 48 KiB limit.
// - Kernels cannot launch kernels, and launches are synchronous: streams do not overlap,
//   and a kernel's own writes are never late (only queued copies and memsets are).
// - Fast-math intrinsics (__expf, ...) are exact here: compare with a tolerance.
// - Out-of-bounds accesses are not detected (use the sanitizers on the host build).
#pragma once

#ifdef __CUDACC__

#include <cuda_runtime.h>

#include <cstddef>
#include <utility>

#define LEUKO_DYNAMIC_SHARED(type, name) extern __shared__ type name[]

template <typename... Params, typename... Args>
inline void leuko_launch(void (*kernel)(Params...), dim3 grid, dim3 block, std::size_t shared_bytes,
                         cudaStream_t stream, Args&&... args) {
  kernel<<<grid, block, shared_bytes, stream>>>(std::forward<Args>(args)...);
}

#else

#include "kernels/simt/atomics.h"
#include "kernels/simt/builtins.h"
#include "kernels/simt/launch.h"
#include "kernels/simt/math_intrinsics.h"
#include "kernels/simt/runtime.h"
#include "kernels/simt/sync.h"

#define LEUKO_DYNAMIC_SHARED(type, name) \
  type* const name = static_cast<type*>(::leuko::simt::dynamic_shared_memory())

// Kernels name CUDA's API unqualified, as with nvcc.
using namespace leuko::simt::api;

#endif
