// Atomics under contention: many blocks, run concurrently on several OS threads, update
// the same words. Integer results must be exact; the float ones are exact too because the
// values added are small integers and halves (every partial sum is representable).
#include "tests/support/testing.h"

#include "tests/simt/device_array.h"
#include "tests/simt/kernels/atomic_kernels.cu"

#include <algorithm>
#include <numeric>
#include <vector>

TEST_CASE(
    "atomicAdd from 64 blocks of 256 threads loses no update (int, unsigned, u64, float, double)") {
  const int blocks = 64, threads = 256, total = blocks * threads;
  DeviceArray<int> count(1);
  DeviceArray<unsigned> unsigned_count(1);
  DeviceArray<unsigned long long> index_sum(1);
  DeviceArray<float> float_count(1);
  DeviceArray<double> double_count(1);
  leuko_launch(count_everyone, blocks, threads, 0, nullptr, count.get(), unsigned_count.get(),
               index_sum.get(), float_count.get(), double_count.get());
  REQUIRE(cudaGetLastError() == cudaSuccess);
  CHECK(count.download()[0] == total);
  CHECK(unsigned_count.download()[0] == static_cast<unsigned>(total));
  CHECK(index_sum.download()[0] == static_cast<unsigned long long>(total) * (total - 1) / 2);
  CHECK(float_count.download()[0] == static_cast<float>(total));
  CHECK(double_count.download()[0] == 0.5 * total);
}

TEST_CASE("atomicMax, atomicMin and an atomicCAS loop find the extremes") {
  const int n = 5000;
  std::vector<int> values(n);
  std::vector<float> float_values(n);
  for (int i = 0; i < n; ++i) {
    values[i] = (i * 7919) % 10007 - 5000;  // a scrambled order, so no block sees them sorted
    float_values[i] = 0.001f * static_cast<float>(values[i]);
  }
  std::vector<unsigned> low_halves(n);
  std::transform(values.begin(), values.end(), low_halves.begin(),
                 [](int v) { return static_cast<unsigned>(v) & 0xffffu; });
  DeviceArray<int> in(values), largest(std::vector<int>{-1'000'000}),
      smallest(std::vector<int>{1'000'000});
  DeviceArray<float> in_float(float_values), largest_float(std::vector<float>{-1e30f});
  DeviceArray<unsigned> largest_unsigned(1);
  leuko_launch(extremes, (n + 127) / 128, 128, 0, nullptr, in.get(), in_float.get(), n,
               largest.get(), smallest.get(), largest_unsigned.get(), largest_float.get());
  REQUIRE(cudaGetLastError() == cudaSuccess);
  CHECK(largest.download()[0] == *std::max_element(values.begin(), values.end()));
  CHECK(smallest.download()[0] == *std::min_element(values.begin(), values.end()));
  CHECK(largest_unsigned.download()[0] == *std::max_element(low_halves.begin(), low_halves.end()));
  CHECK(largest_float.download()[0] == *std::max_element(float_values.begin(), float_values.end()));
}

TEST_CASE("atomicExch hands a token through every thread exactly once") {
  const int n = 10'000;
  DeviceArray<int> slot(std::vector<int>{-1}), taken(n);
  leuko_launch(pass_the_token, (n + 255) / 256, 256, 0, nullptr, slot.get(), taken.get(), n);
  REQUIRE(cudaGetLastError() == cudaSuccess);
  std::vector<int> seen = taken.download();
  seen.push_back(slot.download()[0]);
  std::sort(seen.begin(), seen.end());
  std::vector<int> expected(n + 1);
  std::iota(expected.begin(), expected.end(), -1);
  CHECK(seen == expected);
}

TEST_CASE("atomicCAS lets exactly one of many racing threads win") {
  const int blocks = 32, threads = 128;
  DeviceArray<int> winner(std::vector<int>{-1}), wins(blocks * threads);
  leuko_launch(first_claim_wins, blocks, threads, 0, nullptr, winner.get(), wins.get());
  REQUIRE(cudaGetLastError() == cudaSuccess);
  const std::vector<int> won = wins.download();
  REQUIRE(std::count(won.begin(), won.end(), 1) == 1);
  const int champion = winner.download()[0];
  REQUIRE(champion >= 0);
  CHECK(won[champion] == 1);
}

TEST_CASE("atomicOr, atomicAnd, atomicXor and atomicSub combine every thread's update") {
  const int blocks = 16, threads = 96;
  DeviceArray<unsigned> all_bits(1), no_bits(std::vector<unsigned>{0xffffffffu}), parity(1);
  DeviceArray<int> countdown(std::vector<int>{blocks * threads});
  leuko_launch(bitwise_updates, blocks, threads, 0, nullptr, all_bits.get(), no_bits.get(),
               parity.get(), countdown.get());
  REQUIRE(cudaGetLastError() == cudaSuccess);
  CHECK(all_bits.download()[0] == 0xffffffffu);
  CHECK(no_bits.download()[0] == 0u);
  CHECK(parity.download()[0] == 0u);  // an even number of flips
  CHECK(countdown.download()[0] == 0);
}
