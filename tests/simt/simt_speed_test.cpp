// The emulator at scale: an emulated block sum of 1M floats must be exact, and barriers
// must work across many blocks. The timings are printed (doctest MESSAGE) for a reader;
// they are not asserted: wall-clock bounds fail on a loaded machine, and performance is
// shown by benchmarks, not by timed tests.
#include "tests/support/testing.h"

#include "tests/simt/device_array.h"
#include "tests/simt/kernels/block_kernels.cu"

#include <algorithm>
#include <chrono>
#include <numeric>
#include <vector>

template <typename Launch>
static double best_milliseconds(int repeats, Launch launch) {
  double best = 1e30;
  for (int r = 0; r < repeats; ++r) {
    const auto start = std::chrono::steady_clock::now();
    launch();
    best = std::min(
        best, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                  .count());
  }
  return best;
}

TEST_CASE("block sum of 1M floats with 256-thread blocks: exact, and milliseconds per launch") {
  const int n = 1 << 20, threads = 256;
  std::vector<float> values(n);
  for (int i = 0; i < n; ++i) values[i] = static_cast<float>(i % 5);  // integer sums: exact
  const double expected = std::accumulate(values.begin(), values.end(), 0.0);
  DeviceArray<float> in(values);

  // One element per thread (4096 blocks), and the usual grid-stride form (64 blocks).
  for (const int blocks : {n / threads, 64}) {
    DeviceArray<float> partial(blocks);
    const double ms = best_milliseconds(blocks > 64 ? 1 : 3, [&] {
      leuko_launch(block_sum, blocks, threads, 0, nullptr, in.get(), partial.get(), n);
    });
    REQUIRE(cudaGetLastError() == cudaSuccess);
    const std::vector<float> sums = partial.download();
    CHECK(std::accumulate(sums.begin(), sums.end(), 0.0) == expected);
    MESSAGE("emulated block_sum, 1M floats, ", blocks, " blocks x ", threads, " threads: ", ms,
            " ms per launch");
  }
}

TEST_CASE("a barrier costs each thread a few fiber switches") {
  const int blocks = 8, threads = 256, rounds = 200;
  const double with_barriers = best_milliseconds(
      3, [&] { leuko_launch(barriers_only, blocks, threads, 0, nullptr, rounds); });
  const double without =
      best_milliseconds(3, [&] { leuko_launch(barriers_only, blocks, threads, 0, nullptr, 0); });
  REQUIRE(cudaGetLastError() == cudaSuccess);
  // Per thread and barrier: a switch into the fiber and one back out, plus the runner's
  // bookkeeping; blocks run on all workers at once, so this is wall time per worker.
  const double workers = static_cast<double>(leuko::simt::block_worker_count());
  const double ns_per_barrier =
      (with_barriers - without) * 1e6 * workers / (double(blocks) * threads * rounds);
  MESSAGE("emulated __syncthreads: ", ns_per_barrier, " ns per thread per barrier (", workers,
          " workers); a launch of ", blocks, " empty blocks of ", threads, " threads: ", without,
          " ms");
}
