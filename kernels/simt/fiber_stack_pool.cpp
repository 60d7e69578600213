#include "kernels/simt/fiber_stack_pool.h"

#include <sys/mman.h>
#include <unistd.h>

#include <new>

namespace leuko::simt {

static std::size_t page_bytes() { return static_cast<std::size_t>(sysconf(_SC_PAGESIZE)); }

// The top of each stack is shifted by a different multiple of 64 bytes. Without it every
// fiber's saved context would sit at the same address modulo 64 KiB, so all of them would
// compete for the same few cache sets and a block of 256 threads would miss the cache on
// every switch.
static constexpr std::size_t cache_colours = 256;
static constexpr std::size_t colour_bytes = 64;

static std::size_t mapping_bytes() {
  return page_bytes() + FiberStackPool::stack_bytes + (cache_colours - 1) * colour_bytes;
}

FiberStackPool::~FiberStackPool() {
  for (void* base : mapped_) munmap(base, mapping_bytes());
}

boost::context::stack_context FiberStackPool::take() {
  if (free_.empty()) {
    // Pages are committed only when a fiber first touches them, so a 64 KiB stack of
    // which a kernel uses 2 KiB costs 2 KiB of memory.
    void* base = mmap(nullptr, mapping_bytes(), PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED) throw std::bad_alloc();
    mprotect(base, page_bytes(), PROT_NONE);  // the guard page, below the stack
    const std::size_t colour = mapped_.size() % cache_colours * colour_bytes;
    mapped_.push_back(base);
    free_.reserve(mapped_.size());  // so that give_back never allocates
    free_.push_back(static_cast<char*>(base) + page_bytes() + stack_bytes + colour);
  }
  boost::context::stack_context stack;
  stack.size = stack_bytes;
  stack.sp = free_.back();  // stacks grow down from here
  free_.pop_back();
  return stack;
}

void FiberStackPool::give_back(boost::context::stack_context& stack) noexcept {
  free_.push_back(stack.sp);
}

}  // namespace leuko::simt
