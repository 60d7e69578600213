#include "engine/host_allocator.h"

#include <cstdint>
#include <cstring>
#include <vector>

#include "engine/error.h"
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

TEST_CASE("freed neighbours merge: two released blocks serve one larger request in their place") {
  host_allocator_release_cache();
  const size_t mib = size_t{1} << 20;
  void* first = host_allocate(6 * mib);
  void* second = host_allocate(9 * mib);
  void* guard = host_allocate(2 * mib);  // keeps the pair away from never-written memory
  REQUIRE(static_cast<char*>(second) == static_cast<char*>(first) + 6 * mib);
  std::memset(first, 5, 6 * mib);
  std::memset(second, 6, 9 * mib);
  host_release(first, 6 * mib);
  host_release(second, 9 * mib);
  const HostAllocatorStats before = host_allocator_stats();
  CHECK(before.bytes_cached >= 15 * mib);
  void* merged = host_allocate(12 * mib);
  const HostAllocatorStats after = host_allocator_stats();
  CHECK(merged == first);
  CHECK(after.fresh_allocations == before.fresh_allocations);
  CHECK(after.cached_allocations == before.cached_allocations + 1);
  // Pages written before, not fresh zeroed ones: both old contents are still there.
  CHECK(static_cast<const unsigned char*>(merged)[0] == 5);
  CHECK(static_cast<const unsigned char*>(merged)[12 * mib - 1] == 6);
  host_release(merged, 12 * mib);
  host_release(guard, 2 * mib);
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

TEST_CASE("a training-step-like pattern writes new pages only in its first round") {
  host_allocator_release_cache();
  const size_t mib = size_t{1} << 20;
  const std::vector<size_t> sizes{8 * mib, 3 * mib, 5 * mib, 3 * mib, 3 * mib / 2, 12 * mib};
  size_t resident_after_first_round = 0, fresh_after_first_round = 0;
  for (int round = 0; round < 3; ++round) {
    // "Forward": hold the first four; "backward": free two of them, allocate the rest.
    std::vector<void*> blocks;
    for (size_t i = 0; i < 4; ++i) blocks.push_back(host_allocate(sizes[i]));
    host_release(blocks[1], sizes[1]);
    host_release(blocks[2], sizes[2]);
    for (size_t i = 4; i < sizes.size(); ++i) blocks.push_back(host_allocate(sizes[i]));
    for (size_t i : {0, 3, 4, 5}) host_release(blocks[i], sizes[i]);
    const HostAllocatorStats s = host_allocator_stats();
    if (round == 0) {
      resident_after_first_round = s.bytes_cached;
      fresh_after_first_round = s.fresh_allocations;
    } else {
      CHECK(s.bytes_cached == resident_after_first_round);
      CHECK(s.fresh_allocations == fresh_after_first_round);
    }
  }
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

TEST_CASE("out of host memory names the size asked for and what to try") {
  // 1 PiB: more than the arena's address space (twice the machine's memory) can hold.
  const size_t huge = size_t{1} << 50;
  CHECK_THROWS_WITH_AS(
      host_allocate(huge),
      doctest::Contains("out of host memory: 1125899906842624 bytes (1048576.0 GiB) asked for, "),
      Error);
  CHECK_THROWS_WITH_AS(empty({int64_t{1} << 48}),
                       doctest::Contains("try a smaller --batch or input size"), Error);
}
