#include "engine/host_allocator.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <mutex>
#include <map>
#include <vector>

#include "engine/error.h"

namespace leuko {

namespace {

constexpr size_t kLargeBlock = size_t{1} << 20;  // from here on: mmap'ed, huge pages, cached
constexpr size_t kHugePage = size_t{2} << 20;
constexpr size_t kPage = 4096;

size_t round_up(size_t value, size_t multiple) { return (value + multiple - 1) / multiple * multiple; }

// A fresh large block: mapped 2 MiB aligned (so the kernel can back it with huge pages),
// rounded to whole 4 KiB pages. nullptr when the system refuses.
void* map_block(size_t bytes) {
  const size_t padded = bytes + kHugePage;
  void* raw = mmap(nullptr, padded, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  const auto start = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t aligned = round_up(start, kHugePage);
  // Give back the unaligned head and the unused tail of the padded mapping.
  if (aligned > start) munmap(raw, aligned - start);
  const uintptr_t end = start + padded, block_end = aligned + bytes;
  if (end > block_end) munmap(reinterpret_cast<void*>(block_end), end - block_end);
  madvise(reinterpret_cast<void*>(aligned), bytes, MADV_HUGEPAGE);
  return reinterpret_cast<void*>(aligned);
}

struct HostCache {
  std::mutex mutex;
  std::map<size_t, std::vector<void*>> free_blocks;  // rounded size -> blocks, smallest first
  HostAllocatorStats stats;
  size_t high_water = 0;  // the most bytes ever in use at once (never reset)

  // Unmaps cached blocks until at most `limit` bytes stay cached.
  void shrink_to(size_t limit) {
    for (auto it = free_blocks.begin(); it != free_blocks.end() && stats.bytes_cached > limit;) {
      std::vector<void*>& blocks = it->second;
      while (!blocks.empty() && stats.bytes_cached > limit) {
        munmap(blocks.back(), it->first);
        blocks.pop_back();
        stats.bytes_cached -= it->first;
      }
      it = blocks.empty() ? free_blocks.erase(it) : std::next(it);
    }
  }

  void count_in_use(size_t bytes) {
    stats.bytes_in_use += bytes;
    stats.peak_bytes_in_use = std::max(stats.peak_bytes_in_use, stats.bytes_in_use);
    high_water = std::max(high_water, stats.bytes_in_use);
  }

  // The smallest cached block of at least `bytes`, cut down to `bytes` (its tail unmapped),
  // or nullptr. A block already faulted in beats a fresh mapping even when it is larger: the
  // kernel zeroes every page of a fresh one on first touch, which cost 5-10% of a training
  // step when only blocks of exactly the requested size were reused.
  void* take_cached(size_t bytes) {
    auto it = free_blocks.lower_bound(bytes);
    if (it == free_blocks.end()) return nullptr;
    const size_t size = it->first;
    void* block = it->second.back();
    it->second.pop_back();
    if (it->second.empty()) free_blocks.erase(it);
    stats.bytes_cached -= size;
    if (size > bytes) munmap(static_cast<char*>(block) + bytes, size - bytes);
    return block;
  }

  void* allocate_large(size_t bytes) {
    if (void* block = take_cached(bytes)) {
      ++stats.cached_allocations;
      count_in_use(bytes);
      return block;
    }
    // Mapped bytes (in use + cached) must stay within the high-water mark of bytes in use.
    const size_t ceiling = std::max(high_water, stats.bytes_in_use + bytes);
    const size_t room = ceiling - stats.bytes_in_use - bytes;
    if (stats.bytes_cached > room) shrink_to(room);
    void* block = map_block(bytes);
    if (block == nullptr) {  // out of memory: whatever is cached is worth more to the system
      shrink_to(0);
      block = map_block(bytes);
    }
    LEUKO_CHECK(block != nullptr, "out of host memory allocating ", bytes, " bytes");
    ++stats.fresh_allocations;
    count_in_use(bytes);
    return block;
  }
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
    return c.allocate_large(size);
  }
  void* block = std::aligned_alloc(64, size);
  LEUKO_CHECK(block != nullptr, "out of host memory allocating ", bytes, " bytes");
  std::lock_guard<std::mutex> lock(c.mutex);
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
    c.free_blocks[size].push_back(data);
    c.stats.bytes_cached += size;
  }
}

HostAllocatorStats host_allocator_stats() {
  HostCache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  return c.stats;
}

void host_allocator_reset_peak() {
  HostCache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  c.stats.peak_bytes_in_use = c.stats.bytes_in_use;
}

void host_allocator_release_cache() {
  HostCache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  c.shrink_to(0);
}

}  // namespace leuko
