#include "kernels/cpu/scratch.h"

#include <cstdlib>
#include <new>

namespace leuko::cpu {

namespace {

// Until the engine installs its allocator: the C library's, rounded up to whole 64-byte
// lines as aligned_alloc requires.
void* aligned_allocate(size_t bytes) {
  void* data = std::aligned_alloc(64, (bytes + 63) / 64 * 64);
  if (data == nullptr) throw std::bad_alloc();
  return data;
}
void aligned_release(void* data, size_t) { std::free(data); }

constinit ScratchAllocator current{&aligned_allocate, &aligned_release};

}  // namespace

void set_scratch_allocator(ScratchAllocator allocator) { current = allocator; }

Scratch::Scratch(size_t count)
    : bytes_(sizeof(float) * (count > 0 ? count : 1)),
      data_(static_cast<float*>(current.allocate(bytes_))) {}

Scratch::~Scratch() { current.release(data_, bytes_); }

}  // namespace leuko::cpu
