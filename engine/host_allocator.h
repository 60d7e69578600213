// The caching host allocator: where every CPU tensor's memory, and the CPU kernels' scratch
// buffers (kernels/cpu/scratch.h), come from.
//
// Why: a training step allocates the same sizes over and over (activations in the forward,
// gradients of the same shapes in the backward). Fresh multi-megabyte blocks come from the
// kernel as untouched pages, and the first write to each 4 KiB page is a page fault plus a
// zeroing pass: for a 16-77 MB activation that costs about as much as a whole elementwise
// pass over it. So blocks of 64 KiB and more come from one arena: a reservation of address
// space, cut first-fit into blocks, with freed blocks merged into their free neighbours
// and never given back while the program trains. After the first training step every block
// lands on pages written before: no faults, no zeroing (measured: kernel page zeroing was
// 16% of a WBC-net step with separately mapped blocks cached by size). The arena is backed
// by 2 MiB huge pages where the kernel allows (one fault per 2 MiB, fewer TLB misses).
// The price is fragmentation: resident memory is the highest address ever handed out, a
// little above the most bytes ever in use at once.
//
// Smaller blocks go to malloc, whose own free lists already reuse them.
#pragma once

#include <cstddef>

namespace leuko {

// A 64-byte aligned block of at least `bytes` bytes (never nullptr; throws leuko::Error
// when the system has no memory left), and its release with the same `bytes`. Thread safe.
void* host_allocate(size_t bytes);
void host_release(void* data, size_t bytes);

struct HostAllocatorStats {
  size_t bytes_in_use = 0;        // handed out and not yet released
  size_t bytes_cached = 0;        // free within the arena's resident part, kept for reuse
  size_t peak_bytes_in_use = 0;   // since the start or the last reset
  size_t fresh_allocations = 0;   // requests that needed pages never written before (or malloc)
  size_t cached_allocations = 0;  // requests served from pages written before
};
HostAllocatorStats host_allocator_stats();
void host_allocator_reset_peak();
void host_allocator_release_cache();  // gives the pages of every free block back to the system

}  // namespace leuko
