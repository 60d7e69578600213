// Runs the threads of one CUDA block as cooperative fibers on the calling OS thread.
//
// Each CUDA thread is a Boost.Context fiber. The runner resumes the ready fibers one after
// another, in thread order; a fiber runs until it returns or reaches a barrier, where it
// switches back to the runner. When no fiber is ready, the runner releases a barrier whose
// threads have all arrived:
//   - a warp exchange (__syncwarp, shuffles, votes) completes when every lane named in its
//     mask is waiting in one; the published values are copied to the warp's exchange slots
//     and those lanes become ready;
//   - __syncthreads completes when every thread that has not returned is waiting in it.
// If only threads stuck in warp exchanges are left (a lane they wait for has returned or
// sits in __syncthreads), no order of execution can complete them: that is a deadlock on a
// GPU too, and the runner stops the block and describes it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <boost/context/fiber.hpp>

#include "kernels/simt/builtins.h"
#include "kernels/simt/fiber_sanitizer.h"
#include "kernels/simt/fiber_stack_pool.h"
#include "kernels/simt/launch.h"
#include "kernels/simt/runtime.h"

namespace leuko::simt {

enum class ThreadState { ready, in_warp_exchange, in_block_barrier, returned };

// One CUDA thread of the running block.
struct FiberThread {
  boost::context::fiber fiber;   // the suspended thread; empty once it has returned
  boost::context::fiber runner;  // inside the fiber: where to switch back to
  api::uint3 index;
  unsigned linear;  // x + y * blockDim.x + z * blockDim.x * blockDim.y; warp = linear / 32
  ThreadState state;
  unsigned exchange_mask;   // the lanes it waits for in a warp exchange
  std::uint64_t published;  // its value for that exchange
  // For the switch annotations under AddressSanitizer (fiber_sanitizer.h):
  StackBounds stack;         // its own stack
  StackBounds runner_stack;  // the runner's, learned when it first runs
  void* fake_stack = nullptr;
};

class BlockRunner {
 public:
  BlockRunner() = default;
  BlockRunner(const BlockRunner&) = delete;
  BlockRunner& operator=(const BlockRunner&) = delete;

  // Runs every thread of block `block_index` until all have returned. Returns "" or, when
  // the block deadlocked, a description of it (its remaining fibers are unwound).
  std::string run(const KernelCall& kernel, const LaunchShape& shape, api::uint3 block_index);

  // For the calls kernels make (sync.h), on the runner of the calling OS thread.
  static BlockRunner& active();
  FiberThread& running_thread();
  void suspend(FiberThread& thread, ThreadState state);
  const std::uint64_t* exchange_slots(const FiberThread& thread) const;
  unsigned lanes_in_warp_of(const FiberThread& thread) const;
  void* dynamic_shared_memory() { return dynamic_shared_; }

 private:
  void resume(FiberThread& thread);
  bool release_warp_exchanges();
  bool release_block_barrier();
  std::string describe_deadlock(api::uint3 block_index) const;

  FiberStackPool stacks_;
  std::vector<FiberThread> threads_;
  std::vector<std::uint64_t> exchange_;  // the values of the last completed warp exchange
  FiberThread* running_ = nullptr;
  alignas(128) std::byte dynamic_shared_[max_shared_bytes_per_block];
};

}  // namespace leuko::simt
