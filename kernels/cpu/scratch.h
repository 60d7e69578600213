// A CPU kernel's temporary float buffer (im2col columns, per-thread partial sums), and where
// its memory comes from.
//
// Kernels include nothing from the engine, so the engine hands its caching host allocator
// down to them: engine/host_allocator.cpp installs it when the program starts. A large
// buffer is then reused from call to call instead of being mapped fresh, whose first write
// to each page costs a fault plus a zeroing pass. A kernel built and run without the engine
// (a test or benchmark of it alone) gets its buffers from the C library's allocator.
#pragma once

#include <cstddef>

namespace leuko::cpu {

struct ScratchAllocator {
  void* (*allocate)(size_t bytes);  // 64-byte aligned; throws when there is no memory left
  void (*release)(void* data, size_t bytes);  // with the same `bytes`
};

// Installs where every later Scratch comes from; call it before any kernel runs.
void set_scratch_allocator(ScratchAllocator allocator);

// `count` floats whose contents start undefined (std::vector would zero them first, a
// wasted pass); given back when the buffer goes out of scope.
class Scratch {
 public:
  explicit Scratch(size_t count);
  ~Scratch();
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  float* get() const { return data_; }

 private:
  size_t bytes_;
  float* data_;
};

}  // namespace leuko::cpu
