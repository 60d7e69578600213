// The emulator at block level: barriers, shared memory (one copy per running block),
// dynamic shared memory, grid-stride loops and 3-D grids.
#include "tests/support/testing.h"

#include "tests/simt/device_array.h"
#include "tests/simt/kernels/block_kernels.cu"

#include <algorithm>
#include <numeric>
#include <vector>

TEST_CASE("a barrier orders every thread's writes before it ahead of every write after it") {
  for (const int threads : {1, 37, 256, 1024}) {
    DeviceArray<int> log(2 * threads), length(1);
    leuko_launch(log_around_barrier, 1, threads, 0, nullptr, log.get(), length.get());
    REQUIRE(cudaGetLastError() == cudaSuccess);
    REQUIRE(length.download()[0] == 2 * threads);
    const std::vector<int> entries = log.download();
    std::vector<int> before(entries.begin(), entries.begin() + threads);
    std::vector<int> after(entries.begin() + threads, entries.end());
    std::sort(before.begin(), before.end());
    std::sort(after.begin(), after.end());
    std::vector<int> ids(threads);
    std::iota(ids.begin(), ids.end(), 0);
    CHECK(before == ids);  // every thread logged once before anyone passed the barrier
    std::transform(ids.begin(), ids.end(), ids.begin(), [](int id) { return id + 1000; });
    CHECK(after == ids);
  }
}

TEST_CASE("shared memory written before a barrier is visible to the whole block after it") {
  const int threads = 256, blocks = 5;
  std::vector<int> values(threads * blocks);
  std::iota(values.begin(), values.end(), 3);
  DeviceArray<int> in(values), out(values.size());
  leuko_launch(reverse_in_shared, blocks, threads, 0, nullptr, in.get(), out.get());
  REQUIRE(cudaGetLastError() == cudaSuccess);
  const std::vector<int> reversed = out.download();
  for (int b = 0; b < blocks; ++b) {
    for (int t = 0; t < threads; ++t) {
      REQUIRE(reversed[b * threads + t] == values[b * threads + threads - 1 - t]);
    }
  }
}

TEST_CASE("blocks running at the same time each have their own copy of shared memory") {
  const int blocks = 2;
  DeviceArray<int> arrived(1), seen_owner(blocks), seen_arrived(blocks);
  leuko_launch(hold_shared_while_others_run, blocks, 64, 0, nullptr, arrived.get(),
               seen_owner.get(), seen_arrived.get(), 200'000'000);
  REQUIRE(cudaGetLastError() == cudaSuccess);
  // Both blocks were inside the kernel at once (so on different OS threads) ...
  CHECK(seen_arrived.download() == std::vector<int>{blocks, blocks});
  // ... and neither overwrote the other's shared variable.
  CHECK(seen_owner.download() == std::vector<int>{0, 1});
}

TEST_CASE("a shared-memory tree reduction is exact with its barriers and wrong without") {
  // Integers in floats: every partial sum is exact, whatever order blocks add in.
  const int n = 100'003;
  std::vector<float> values(n);
  for (int i = 0; i < n; ++i) values[i] = static_cast<float>(i % 7);
  const double expected = std::accumulate(values.begin(), values.end(), 0.0);
  DeviceArray<float> in(values);
  for (const int threads : {32, 256, 1024}) {
    const int blocks = 13;
    DeviceArray<float> partial(blocks);
    leuko_launch(block_sum, blocks, threads, 0, nullptr, in.get(), partial.get(), n);
    REQUIRE(cudaGetLastError() == cudaSuccess);
    const std::vector<float> sums = partial.download();
    CHECK(std::accumulate(sums.begin(), sums.end(), 0.0) == expected);

    // Without barriers each fiber runs to the end before the next starts, so thread 0 adds
    // slots the other threads have not filled yet: the emulator makes the race visible.
    DeviceArray<float> racy(blocks);
    leuko_launch(block_sum_without_barriers, blocks, threads, 0, nullptr, in.get(), racy.get(), n);
    REQUIRE(cudaGetLastError() == cudaSuccess);
    const std::vector<float> wrong = racy.download();
    CHECK(std::accumulate(wrong.begin(), wrong.end(), 0.0) != expected);
  }
}

TEST_CASE("dynamic shared memory is sized by the launch, up to 48 KiB per block") {
  for (const int count : {1, 1000, 12288}) {  // 12288 floats = 48 KiB
    const int blocks = 3;
    std::vector<float> values(count * blocks);
    for (size_t i = 0; i < values.size(); ++i) values[i] = 0.5f * static_cast<float>(i);
    DeviceArray<float> in(values), out(values.size());
    leuko_launch(reverse_in_dynamic_shared, blocks, 96, count * sizeof(float), nullptr, in.get(),
                 out.get(), count);
    REQUIRE(cudaGetLastError() == cudaSuccess);
    const std::vector<float> reversed = out.download();
    for (int b = 0; b < blocks; ++b) {
      for (int i = 0; i < count; ++i) {
        REQUIRE(reversed[b * count + i] == values[b * count + count - 1 - i]);
      }
    }
  }
}

TEST_CASE(
    "a grid-stride loop visits every element once for sizes that are not multiples of the block") {
  for (const int n : {1, 127, 129, 1000, 4099}) {
    for (const int blocks : {1, 3}) {
      DeviceArray<int> visits(n);
      leuko_launch(count_grid_stride_visits, blocks, 128, 0, nullptr, visits.get(), n);
      REQUIRE(cudaGetLastError() == cudaSuccess);
      const std::vector<int> counts = visits.download();
      CHECK(std::all_of(counts.begin(), counts.end(), [](int c) { return c == 1; }));
    }
  }
}

TEST_CASE("3-D grids of 3-D blocks give every thread its own blockIdx and threadIdx") {
  const int width = 13, height = 7, depth = 5;
  const dim3 block(4, 3, 2);
  const dim3 grid((width + 3) / 4, (height + 2) / 3, (depth + 1) / 2);
  DeviceArray<int> owner(width * height * depth);
  leuko_launch(record_owner_3d, grid, block, 0, nullptr, owner.get(), width, height, depth);
  REQUIRE(cudaGetLastError() == cudaSuccess);
  const std::vector<int> owners = owner.download();
  for (int z = 0; z < depth; ++z) {
    for (int y = 0; y < height; ++y) {
      for (int x = 0; x < width; ++x) {
        const int b = (z / 2 * static_cast<int>(grid.y) + y / 3) * static_cast<int>(grid.x) + x / 4;
        const int t = (z % 2 * 3 + y % 3) * 4 + x % 4;
        REQUIRE(owners[(z * height + y) * width + x] == b * 10000 + t);
      }
    }
  }
}
