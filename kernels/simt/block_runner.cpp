#include "kernels/simt/block_runner.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include "kernels/simt/sync.h"

namespace leuko::simt {

// The runner of the block this OS thread is running, if any.
static thread_local constinit BlockRunner* active_runner = nullptr;

static constexpr unsigned lanes_per_warp = 32;

std::string BlockRunner::run(const KernelCall& kernel, const LaunchShape& shape,
                             api::uint3 block_index) {
  const api::dim3 dim = shape.block;
  const unsigned count = dim.x * dim.y * dim.z;
  current_block_idx = block_index;
  current_block_dim = dim;
  current_grid_dim = shape.grid;

  threads_.resize(count);
  exchange_.resize(count);
  for (unsigned t = 0; t < count; ++t) {
    FiberThread& thread = threads_[t];
    thread.index = {t % dim.x, (t / dim.x) % dim.y, t / (dim.x * dim.y)};
    thread.linear = t;
    thread.state = ThreadState::ready;
    thread.fiber =
        boost::context::fiber(std::allocator_arg, PooledStackAllocator{&stacks_, &thread.stack},
                              [&thread, &kernel](boost::context::fiber&& runner) {
                                finish_switch(nullptr, &thread.runner_stack);
                                thread.runner = std::move(runner);
                                // The last switch back to the runner (after a return, or after the
                                // unwinding that destroys a deadlocked fiber) leaves this stack for
                                // good.
                                struct LeaveForGood {
                                  const FiberThread& thread;
                                  ~LeaveForGood() { start_switch(nullptr, thread.runner_stack); }
                                } leave{thread};
                                kernel.invoke(kernel.closure);
                                return std::move(thread.runner);
                              });
  }

  active_runner = this;
  std::string deadlock;
  for (;;) {
    for (FiberThread& thread : threads_) {
      if (thread.state == ThreadState::ready) resume(thread);
    }
    if (release_warp_exchanges()) continue;
    const bool stuck = std::any_of(threads_.begin(), threads_.end(), [](const FiberThread& t) {
      return t.state == ThreadState::in_warp_exchange;
    });
    if (stuck) {
      deadlock = describe_deadlock(block_index);
      // Destroying a suspended fiber unwinds its stack (Boost.Context throws a forced-unwind
      // exception inside it), so the kernel's locals are destroyed and its stack comes back.
      for (FiberThread& thread : threads_) {
        if (thread.fiber) {
          void* runner_fake_stack = nullptr;
          start_switch(&runner_fake_stack, thread.stack);
          thread.fiber = {};
          finish_switch(runner_fake_stack, nullptr);
        }
        thread.state = ThreadState::returned;
      }
      break;
    }
    if (!release_block_barrier()) break;  // every thread has returned
  }
  active_runner = nullptr;
  running_ = nullptr;
  return deadlock;
}

void BlockRunner::resume(FiberThread& thread) {
  running_ = &thread;
  current_thread_idx = thread.index;
  void* runner_fake_stack = nullptr;
  start_switch(&runner_fake_stack, thread.stack);
  thread.fiber = std::move(thread.fiber).resume();
  finish_switch(runner_fake_stack, nullptr);
  if (!thread.fiber) thread.state = ThreadState::returned;
}

void BlockRunner::suspend(FiberThread& thread, ThreadState state) {
  thread.state = state;
  start_switch(&thread.fake_stack, thread.runner_stack);
  // Back here on a resume, or when the runner destroys this fiber (then Boost.Context
  // throws its unwinding exception out of resume()): either way the switch is finished.
  struct Arrival {
    FiberThread& thread;
    ~Arrival() { finish_switch(thread.fake_stack, &thread.runner_stack); }
  } arrival{thread};
  thread.runner = std::move(thread.runner).resume();
}

bool BlockRunner::release_warp_exchanges() {
  bool released = false;
  const unsigned count = static_cast<unsigned>(threads_.size());
  for (unsigned base = 0; base < count; base += lanes_per_warp) {
    const unsigned lanes = std::min(lanes_per_warp, count - base);
    const unsigned present = lanes == 32 ? 0xffffffffu : (1u << lanes) - 1u;
    unsigned waiting = 0;
    for (unsigned lane = 0; lane < lanes; ++lane) {
      if (threads_[base + lane].state == ThreadState::in_warp_exchange) waiting |= 1u << lane;
    }
    for (unsigned lane = 0; lane < lanes; ++lane) {
      if (!(waiting >> lane & 1u)) continue;
      const unsigned group = (threads_[base + lane].exchange_mask & present) | (1u << lane);
      if (group & ~waiting) continue;  // a lane it waits for has not arrived
      for (unsigned member = 0; member < lanes; ++member) {
        if (!(group >> member & 1u)) continue;
        exchange_[base + member] = threads_[base + member].published;
        threads_[base + member].state = ThreadState::ready;
      }
      waiting &= ~group;
      released = true;
    }
  }
  return released;
}

bool BlockRunner::release_block_barrier() {
  bool released = false;
  for (FiberThread& thread : threads_) {
    if (thread.state == ThreadState::in_block_barrier) {
      thread.state = ThreadState::ready;
      released = true;
    }
  }
  return released;
}

std::string BlockRunner::describe_deadlock(api::uint3 block_index) const {
  char text[512];
  std::snprintf(text, sizeof text, "deadlock in block (%u,%u,%u)", block_index.x, block_index.y,
                block_index.z);
  for (const FiberThread& waiter : threads_) {
    if (waiter.state != ThreadState::in_warp_exchange) continue;
    const unsigned base = waiter.linear & ~(lanes_per_warp - 1);
    for (unsigned lane = 0; lane < lanes_in_warp_of(waiter); ++lane) {
      const FiberThread& other = threads_[base + lane];
      if (!(waiter.exchange_mask >> lane & 1u) || other.state == ThreadState::in_warp_exchange)
        continue;
      const std::string where = text;
      std::snprintf(
          text, sizeof text,
          "%s: thread (%u,%u,%u) (warp %u, lane %u) waits in a warp operation "
          "(__syncwarp, shuffle or vote) with mask 0x%08x, but lane %u of its warp %s; "
          "every lane named in the mask must reach the same warp operation",
          where.c_str(), waiter.index.x, waiter.index.y, waiter.index.z,
          waiter.linear / lanes_per_warp, waiter.linear % lanes_per_warp, waiter.exchange_mask,
          lane, other.state == ThreadState::returned ? "has returned" : "waits in __syncthreads()");
      return text;
    }
  }
  return text;
}

BlockRunner& BlockRunner::active() {
  if (active_runner == nullptr) {
    std::fprintf(stderr,
                 "leuko simt: a device function (__syncthreads, a warp shuffle or vote, "
                 "dynamic shared memory) was called outside a running kernel\n");
    std::abort();
  }
  return *active_runner;
}

FiberThread& BlockRunner::running_thread() { return *running_; }

const std::uint64_t* BlockRunner::exchange_slots(const FiberThread& thread) const {
  return &exchange_[thread.linear & ~(lanes_per_warp - 1)];
}

unsigned BlockRunner::lanes_in_warp_of(const FiberThread& thread) const {
  const unsigned base = thread.linear & ~(lanes_per_warp - 1);
  return std::min(lanes_per_warp, static_cast<unsigned>(threads_.size()) - base);
}

// ---- The calls behind sync.h ------------------------------------------------------------------

void sync_threads() {
  BlockRunner& runner = BlockRunner::active();
  runner.suspend(runner.running_thread(), ThreadState::in_block_barrier);
}

const std::uint64_t* exchange_in_warp(unsigned mask, std::uint64_t value) {
  BlockRunner& runner = BlockRunner::active();
  FiberThread& self = runner.running_thread();
  self.exchange_mask = mask;
  self.published = value;
  runner.suspend(self, ThreadState::in_warp_exchange);
  return runner.exchange_slots(self);
}

unsigned lane_index() { return BlockRunner::active().running_thread().linear % lanes_per_warp; }

unsigned lanes_in_warp() {
  BlockRunner& runner = BlockRunner::active();
  return runner.lanes_in_warp_of(runner.running_thread());
}

void* dynamic_shared_memory() { return BlockRunner::active().dynamic_shared_memory(); }

}  // namespace leuko::simt
