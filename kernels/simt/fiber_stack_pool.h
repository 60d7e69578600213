// Stacks for the fibers that run CUDA threads, kept and reused by one OS thread. Mapping a
// fresh stack for every thread of every block would cost more than most kernels do (the
// design notes measured 10x), so a finished fiber's stack goes back to the pool and the
// next block's threads run on it.
#pragma once

#include <cstddef>
#include <vector>

#include <boost/context/stack_context.hpp>

#include "kernels/simt/fiber_sanitizer.h"

namespace leuko::simt {

class FiberStackPool {
 public:
  // Room for a kernel's locals and the calls it makes; a guard page below each stack turns
  // an overflow into a segmentation fault instead of silent corruption.
  static constexpr std::size_t stack_bytes = 64 * 1024;

  FiberStackPool() = default;
  FiberStackPool(const FiberStackPool&) = delete;
  FiberStackPool& operator=(const FiberStackPool&) = delete;
  ~FiberStackPool();

  boost::context::stack_context take();
  void give_back(boost::context::stack_context& stack) noexcept;

 private:
  std::vector<void*> mapped_;  // every mapping this pool owns (guard page first)
  std::vector<void*> free_;    // the tops of the stacks no fiber is using
};

// Boost.Context's StackAllocator interface over a pool: boost::context::fiber calls
// allocate() when the fiber is created and deallocate() when it has finished. The stack's
// bounds are noted in `bounds`, for AddressSanitizer's switch annotations.
struct PooledStackAllocator {
  FiberStackPool* pool;
  StackBounds* bounds;
  boost::context::stack_context allocate() {
    const boost::context::stack_context stack = pool->take();
    *bounds = {static_cast<const char*>(stack.sp) - stack.size, stack.size};
    return stack;
  }
  void deallocate(boost::context::stack_context& stack) noexcept { pool->give_back(stack); }
};

}  // namespace leuko::simt
