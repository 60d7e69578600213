#include "engine/host_allocator.h"

#include <cstdint>
#include <cstring>

#include "engine/tensor.h"
#include "tests/support/testing.h"

using namespace leuko;

static bool aligned_64(const void* p) { return reinterpret_cast<uintptr_t>(p) % 64 == 0; }

TEST_CASE("a released large block is handed out again for the same size, already mapped") {
  host_allocator_release_cache();
  const size_t bytes = size_t{3} << 20;
  void* first = host_allocate(bytes);
  REQUIRE(aligned_64(first));
  std::memset(first, 7, bytes);  // the block is writable in full
  host_release(first, bytes);
  const HostAllocatorStats before = host_allocator_stats();
  CHECK(before.bytes_cached >= bytes);
  void* second = host_allocate(bytes);
  const HostAllocatorStats after = host_allocator_stats();
  CHECK(second == first);
  CHECK(after.cached_allocations == before.cached_allocations + 1);
  CHECK(after.fresh_allocations == before.fresh_allocations);
  CHECK(static_cast<const unsigned char*>(second)[bytes - 1] == 7);  // the same memory
  host_release(second, bytes);
}

TEST_CASE("a smaller request takes the smallest cached block that fits, cut to its size") {
  host_allocator_release_cache();
  const size_t mib = size_t{1} << 20;
  void* big = host_allocate(6 * mib);
  void* bigger = host_allocate(9 * mib);
  std::memset(big, 5, 6 * mib);
  host_release(big, 6 * mib);
  host_release(bigger, 9 * mib);
  const HostAllocatorStats before = host_allocator_stats();
  void* block = host_allocate(4 * mib);
  const HostAllocatorStats after = host_allocator_stats();
  CHECK(block == big);  // the 6 MiB block, not the 9 MiB one
  CHECK(after.fresh_allocations == before.fresh_allocations);
  CHECK(after.cached_allocations == before.cached_allocations + 1);
  CHECK(static_cast<const unsigned char*>(block)[4 * mib - 1] == 5);  // already faulted in
  // The unused 2 MiB tail went back to the system: only the 9 MiB block stays cached.
  CHECK(after.bytes_cached == 9 * mib);
  CHECK(after.bytes_in_use == before.bytes_in_use + 4 * mib);
  host_release(block, 4 * mib);
  host_allocator_release_cache();
}

TEST_CASE("small blocks go to malloc, aligned, and are counted while in use") {
  const HostAllocatorStats start = host_allocator_stats();
  void* block = host_allocate(100);
  CHECK(aligned_64(block));
  CHECK(host_allocator_stats().bytes_in_use == start.bytes_in_use + 128);  // rounded to 64
  host_release(block, 100);
  CHECK(host_allocator_stats().bytes_in_use == start.bytes_in_use);
  CHECK(host_allocator_stats().bytes_cached == start.bytes_cached);  // never cached
  void* empty_block = host_allocate(0);  // a zero-byte tensor still gets a valid pointer
  CHECK(empty_block != nullptr);
  host_release(empty_block, 0);
}

TEST_CASE("the cache never keeps mapped memory above the most ever in use at once") {
  host_allocator_release_cache();
  const size_t mib = size_t{1} << 20;
  // Peak: 8 MiB in use. Then free it all and ask for other sizes: the cached 8 MiB must be
  // given back rather than kept beside the new blocks.
  void* a = host_allocate(8 * mib);
  host_release(a, 8 * mib);
  const size_t high_water = host_allocator_stats().bytes_in_use + 8 * mib;
  void* b = host_allocate(5 * mib);
  void* c = host_allocate(5 * mib);
  const HostAllocatorStats s = host_allocator_stats();
  CHECK(s.bytes_in_use + s.bytes_cached <= std::max(high_water, s.bytes_in_use));
  host_release(b, 5 * mib);
  host_release(c, 5 * mib);
  host_allocator_release_cache();
  CHECK(host_allocator_stats().bytes_cached == 0);
}

TEST_CASE("peak bytes in use: tracked and resettable") {
  host_allocator_reset_peak();
  const size_t base = host_allocator_stats().bytes_in_use;
  {
    const Tensor t = empty({1024, 1024});  // 4 MiB through Storage
    CHECK(host_allocator_stats().bytes_in_use == base + 4 * (size_t{1} << 20));
  }
  CHECK(host_allocator_stats().bytes_in_use == base);
  CHECK(host_allocator_stats().peak_bytes_in_use == base + 4 * (size_t{1} << 20));
  host_allocator_reset_peak();
  CHECK(host_allocator_stats().peak_bytes_in_use == base);
}
