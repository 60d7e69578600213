#include "engine/host_allocator.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>

#include "engine/error.h"
#include "kernels/cpu/scratch.h"

namespace leuko {

namespace {

constexpr size_t kLargeBlock = size_t{64} << 10;  // from here on: from the arena
constexpr size_t kHugePage = size_t{2} << 20;
constexpr size_t kPage = 4096;

size_t round_up(size_t value, size_t multiple) {
  return (value + multiple - 1) / multiple * multiple;
}

// "out of host memory: 12884901888 bytes (12.0 GiB) asked for, 1.2 GiB in use by tensors;
// ...": what a user can act on (the step's memory grows with the batch and the image size).
[[noreturn]] void out_of_memory(size_t asked, size_t in_use) {
  const auto gib = [](size_t bytes) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f GiB", static_cast<double>(bytes) / double(1 << 30));
    return std::string(text);
  };
  throw Error(cat("out of host memory: ", asked, " bytes (", gib(asked), ") asked for, ",
                  gib(in_use), " in use by tensors; try a smaller --batch or input size"));
}

// The arena: one reservation of address space (no memory behind it until a page is first
// written), cut into blocks first-fit, lowest address first. Free ranges are merged with
// free neighbours, so a freed 64 MB activation can serve two 30 MB gradients and later the
// 64 MB again. Tried against best-fit (smallest range that fits): the same peak RSS on all
// four benchmark networks, so the simpler rule stays.
struct Arena {
  char* base = nullptr;
  size_t capacity = 0;
  size_t touched = 0;                // [0, touched) has been handed out at least once: resident
  std::map<size_t, size_t> free_at;  // offset -> size of every free range

  // Address space for twice the machine's memory (a reservation costs nothing: the kernel
  // backs only the pages written), or less where the system refuses that much.
  Arena() {
    const size_t memory = static_cast<size_t>(sysconf(_SC_PHYS_PAGES)) * sysconf(_SC_PAGESIZE);
    for (size_t size = round_up(2 * memory, kHugePage); size >= kHugePage * 512; size /= 2) {
      void* p = mmap(nullptr, size + kHugePage, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
      if (p == MAP_FAILED) continue;
      base = reinterpret_cast<char*>(round_up(reinterpret_cast<uintptr_t>(p), kHugePage));
      capacity = size;
      madvise(base, capacity, MADV_HUGEPAGE);  // one fault per 2 MiB, fewer TLB misses
      free_at.emplace(0, capacity);
      return;
    }
  }

  // The lowest free range that fits; its rest stays free. nullptr when none does.
  char* take(size_t bytes) {
    auto it = std::find_if(free_at.begin(), free_at.end(),
                           [&](const auto& range) { return range.second >= bytes; });
    if (it == free_at.end()) return nullptr;
    const auto [offset, size] = *it;
    free_at.erase(it);
    if (size > bytes) free_at.emplace(offset + bytes, size - bytes);
    touched = std::max(touched, offset + bytes);
    return base + offset;
  }

  void give(char* block, size_t bytes) {
    size_t offset = block - base, size = bytes;
    auto next = free_at.lower_bound(offset);
    if (next != free_at.end() && offset + size == next->first) {
      size += next->second;
      next = free_at.erase(next);
    }
    if (next != free_at.begin()) {
      auto previous = std::prev(next);
      if (previous->first + previous->second == offset) {
        offset = previous->first;
        size += previous->second;
        free_at.erase(previous);
      }
    }
    free_at.emplace(offset, size);
  }

  // Gives the pages of every free range back to the system; the next write to them faults
  // in zeroed pages again. The resident extent then ends where the free top of the arena
  // begins.
  void release_free_pages() {
    for (const auto& [offset, size] : free_at) {
      if (offset < touched) madvise(base + offset, std::min(size, touched - offset), MADV_DONTNEED);
    }
    if (!free_at.empty()) {
      const auto& [offset, size] = *free_at.rbegin();
      if (offset + size == capacity) touched = std::min(touched, offset);
    }
  }
};

struct HostCache {
  std::mutex mutex;
  Arena arena;
  HostAllocatorStats stats;
  size_t large_in_use = 0;  // bytes of arena blocks handed out

  void count_in_use(size_t bytes) {
    stats.bytes_in_use += bytes;
    stats.peak_bytes_in_use = std::max(stats.peak_bytes_in_use, stats.bytes_in_use);
  }

  void* allocate_large(size_t bytes) {
    const size_t touched_before = arena.touched;
    char* block = arena.take(bytes);
    if (block == nullptr) out_of_memory(bytes, stats.bytes_in_use);
    // Served from pages written before, or partly from fresh ones.
    ++(arena.touched > touched_before ? stats.fresh_allocations : stats.cached_allocations);
    count_in_use(bytes);
    return block;
  }

  // Free bytes within the resident part of the arena.
  size_t cached_bytes() const { return arena.touched - std::min(arena.touched, large_in_use); }
};

// Never destroyed: tensors held in static objects may be released after main returns.
HostCache& cache() {
  static HostCache* instance = new HostCache();
  return *instance;
}

size_t block_size(size_t bytes) {
  return bytes >= kLargeBlock ? round_up(bytes, kPage) : round_up(std::max<size_t>(bytes, 1), 64);
}

}  // namespace

void* host_allocate(size_t bytes) {
  const size_t size = block_size(bytes);
  HostCache& c = cache();
  if (size >= kLargeBlock) {
    std::lock_guard<std::mutex> lock(c.mutex);
    c.large_in_use += size;
    return c.allocate_large(size);
  }
  void* block = std::aligned_alloc(64, size);
  std::lock_guard<std::mutex> lock(c.mutex);
  if (block == nullptr) out_of_memory(bytes, c.stats.bytes_in_use);
  ++c.stats.fresh_allocations;
  c.count_in_use(size);
  return block;
}

void host_release(void* data, size_t bytes) {
  const size_t size = block_size(bytes);
  HostCache& c = cache();
  if (size < kLargeBlock) std::free(data);
  std::lock_guard<std::mutex> lock(c.mutex);
  c.stats.bytes_in_use -= size;
  if (size >= kLargeBlock) {
    c.large_in_use -= size;
    c.arena.give(static_cast<char*>(data), size);
  }
}

// The CPU kernels' scratch buffers come from this cache too (kernels/cpu/scratch.h says why).
[[maybe_unused]] static const bool kernel_scratch_from_this_cache = [] {
  cpu::set_scratch_allocator({&host_allocate, &host_release});
  return true;
}();

HostAllocatorStats host_allocator_stats() {
  HostCache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  HostAllocatorStats stats = c.stats;
  stats.bytes_cached = c.cached_bytes();
  return stats;
}

void host_allocator_reset_peak() {
  HostCache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  c.stats.peak_bytes_in_use = c.stats.bytes_in_use;
}

void host_allocator_release_cache() {
  HostCache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  c.arena.release_free_pages();
}

}  // namespace leuko
