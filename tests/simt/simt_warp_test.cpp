// The emulator at warp level: shuffles (down, xor, up, indexed) with full and partial
// widths, votes, masks of half a warp, partial warps, and a deadlock it must report.
#include "tests/support/testing.h"

#include "tests/simt/device_array.h"
#include "tests/simt/kernels/warp_kernels.cu"

#include <numeric>
#include <vector>

static std::vector<int> iota_values(int count, int first) {
  std::vector<int> values(count);
  std::iota(values.begin(), values.end(), first);
  return values;
}

TEST_CASE("__shfl_down_sync sums each warp into its lane 0, for int, float and double") {
  const int blocks = 3, threads = 128, warps = blocks * threads / 32;
  const std::vector<int> ints = iota_values(blocks * threads, 1);
  std::vector<int> expected(warps, 0);
  for (int i = 0; i < blocks * threads; ++i) expected[i / 32] += ints[i];

  DeviceArray<int> in(ints), sums(warps);
  leuko_launch(warp_sum_down<int>, blocks, threads, 0, nullptr, in.get(), sums.get());
  REQUIRE(cudaGetLastError() == cudaSuccess);
  CHECK(sums.download() == expected);

  // Integer-valued, so the tree's order of additions cannot change the sums.
  const std::vector<float> floats(ints.begin(), ints.end());
  DeviceArray<float> in_f(floats), sums_f(warps);
  leuko_launch(warp_sum_down<float>, blocks, threads, 0, nullptr, in_f.get(), sums_f.get());
  CHECK(sums_f.download() == std::vector<float>(expected.begin(), expected.end()));

  const std::vector<double> doubles(ints.begin(), ints.end());
  DeviceArray<double> in_d(doubles), sums_d(warps);
  leuko_launch(warp_sum_down<double>, blocks, threads, 0, nullptr, in_d.get(), sums_d.get());
  CHECK(sums_d.download() == std::vector<double>(expected.begin(), expected.end()));
}

TEST_CASE("__shfl_xor_sync butterflies give every lane its segment's total") {
  const int threads = 64;
  const std::vector<int> values = iota_values(threads, 10);
  for (const int width : {32, 16, 4, 2}) {
    DeviceArray<int> in(values), out(threads);
    leuko_launch(segment_sum_xor, 1, threads, 0, nullptr, in.get(), out.get(), width);
    REQUIRE(cudaGetLastError() == cudaSuccess);
    const std::vector<int> totals = out.download();
    for (int t = 0; t < threads; ++t) {
      const int start = t / width * width;
      const int expected =
          std::accumulate(values.begin() + start, values.begin() + start + width, 0);
      REQUIRE(totals[t] == expected);
    }
  }
}

TEST_CASE("__shfl_up_sync computes inclusive prefix sums within each segment") {
  const int threads = 96;
  const std::vector<int> values = iota_values(threads, -20);
  for (const int width : {32, 8}) {
    DeviceArray<int> in(values), out(threads);
    leuko_launch(segment_scan_up, 1, threads, 0, nullptr, in.get(), out.get(), width);
    REQUIRE(cudaGetLastError() == cudaSuccess);
    const std::vector<int> scanned = out.download();
    for (int t = 0; t < threads; ++t) {
      const int start = t / width * width;
      REQUIRE(scanned[t] == std::accumulate(values.begin() + start, values.begin() + t + 1, 0));
    }
  }
}

TEST_CASE("__shfl_sync reads the lane it names, modulo the segment width") {
  const int threads = 64;
  std::vector<double> values(threads);
  for (int t = 0; t < threads; ++t) values[t] = 0.25 * t;
  // Hand-checked cases: (shift, width) -> what lanes 0, 5 and 31 of the first warp read.
  struct Case {
    int shift, width, lane0, lane5, lane31;
  };
  for (const Case c : {Case{1, 32, 1, 6, 0}, Case{-1, 32, 31, 4, 30}, Case{3, 8, 3, 0, 26},
                       Case{35, 32, 3, 8, 2}}) {
    DeviceArray<double> in(values), out(threads);
    leuko_launch(segment_rotate, 1, threads, 0, nullptr, in.get(), out.get(), c.shift, c.width);
    REQUIRE(cudaGetLastError() == cudaSuccess);
    const std::vector<double> read = out.download();
    CHECK(read[0] == values[c.lane0]);
    CHECK(read[5] == values[c.lane5]);
    CHECK(read[31] == values[c.lane31]);
    CHECK(read[32 + 5] == values[32 + c.lane5]);  // the second warp reads within itself
  }
}

TEST_CASE("__ballot_sync, __any_sync and __all_sync count the lanes that vote yes") {
  const int threads = 96;  // warp 0: lanes 0, 3, 31 vote; warp 1: none; warp 2: all
  std::vector<int> votes(threads, 0);
  votes[0] = votes[3] = votes[31] = 1;
  for (int t = 64; t < 96; ++t) votes[t] = 7;
  DeviceArray<int> in(votes), any(3), all(3);
  DeviceArray<unsigned> ballots(3);
  leuko_launch(warp_votes, 1, threads, 0, nullptr, in.get(), ballots.get(), any.get(), all.get());
  REQUIRE(cudaGetLastError() == cudaSuccess);
  CHECK(ballots.download() == std::vector<unsigned>{0x80000009u, 0u, 0xffffffffu});
  CHECK(any.download() == std::vector<int>{1, 0, 1});
  CHECK(all.download() == std::vector<int>{0, 0, 1});
}

TEST_CASE("half-warp masks let divergent halves shuffle independently, then reconverge") {
  const int threads = 64;
  const std::vector<int> values = iota_values(threads, 100);
  DeviceArray<int> in(values), out(threads), broadcast(threads);
  leuko_launch(half_warps_apart, 1, threads, 0, nullptr, in.get(), out.get(), broadcast.get());
  REQUIRE(cudaGetLastError() == cudaSuccess);
  const std::vector<int> got = out.download(), shared = broadcast.download();
  for (int t = 0; t < threads; ++t) {
    const int lane = t % 32, warp_start = t - lane;
    int source = lane < 16 ? lane ^ 1 : (lane < 30 ? lane + 2 : lane);
    REQUIRE(got[t] == values[warp_start + source]);
    REQUIRE(shared[t] == values[warp_start + 1]);  // lane 0 took lane 1's value
  }
}

TEST_CASE("warp shuffles and block barriers combine, also with a partial last warp") {
  for (const int threads : {32, 40, 100, 1024}) {
    const int blocks = 4;
    const std::vector<int> values = iota_values(blocks * threads, -7);
    DeviceArray<int> in(values), out(blocks);
    leuko_launch(block_sum_with_shuffles, blocks, threads, 0, nullptr, in.get(), out.get());
    REQUIRE(cudaGetLastError() == cudaSuccess);
    const std::vector<int> sums = out.download();
    for (int b = 0; b < blocks; ++b) {
      CHECK(sums[b] ==
            std::accumulate(values.begin() + b * threads, values.begin() + (b + 1) * threads, 0));
    }
  }
}

TEST_CASE("a shuffle that waits for a returned lane fails the launch instead of hanging") {
  DeviceArray<int> out(32);
  for (int attempt = 0; attempt < 2; ++attempt) {  // the emulator recovers and fails again
    leuko_launch(shuffle_after_early_return, 3, 32, 0, nullptr, out.get());
    CHECK(cudaPeekAtLastError() == cudaErrorLaunchFailure);
    CHECK(cudaDeviceSynchronize() == cudaErrorLaunchFailure);  // reported once at sync ...
    CHECK(cudaDeviceSynchronize() == cudaSuccess);             // ... and then cleared
    CHECK(cudaGetLastError() == cudaErrorLaunchFailure);
    CHECK(cudaGetLastError() == cudaSuccess);
  }
  // A correct kernel runs normally afterwards.
  const std::vector<int> values = iota_values(32, 0);
  DeviceArray<int> in(values), total(1);
  leuko_launch(block_sum_with_shuffles, 1, 32, 0, nullptr, in.get(), total.get());
  REQUIRE(cudaGetLastError() == cudaSuccess);
  CHECK(total.download()[0] == 31 * 32 / 2);
}
