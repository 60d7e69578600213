#include "kernels/simt/fiber_stack_pool.h"

#include <sys/mman.h>
#include <unistd.h>

#include <new>

namespace leuko::simt {

static std::size_t page_bytes() { return static_cast<std::size_t>(sysconf(_SC_PAGESIZE)); }

FiberStackPool::~FiberStackPool() {
  for (void* base : mapped_) munmap(base, stack_bytes + page_bytes());
}

boost::context::stack_context FiberStackPool::take() {
  void* base;
  if (!free_.empty()) {
    base = free_.back();
    free_.pop_back();
  } else {
    // Pages are committed only when a fiber first touches them, so a 64 KiB stack of
    // which a kernel uses 2 KiB costs 2 KiB of memory.
    const std::size_t guard = page_bytes();
    base = mmap(nullptr, stack_bytes + guard, PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED) throw std::bad_alloc();
    mprotect(base, guard, PROT_NONE);
    mapped_.push_back(base);
    free_.reserve(mapped_.size());  // so give_back never allocates
  }
  boost::context::stack_context stack;
  stack.size = stack_bytes;
  stack.sp = static_cast<char*>(base) + page_bytes() + stack_bytes;  // stacks grow down
  return stack;
}

void FiberStackPool::give_back(boost::context::stack_context& stack) noexcept {
  free_.push_back(static_cast<char*>(stack.sp) - stack_bytes - page_bytes());
}

}  // namespace leuko::simt
