// Tensors on the emulated CUDA device (cuda-emu): memory from the backend's caching
// allocator, copies both ways, strided copies by the CUDA kernels under the emulator.
#include <cmath>

#include "engine/ops.h"
#include "tests/support/testing.h"

using namespace leuko;

TEST_CASE("tensors move to cuda-emu and back unchanged") {
  Tensor host = from_vector({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor device = host.to(Device::cuda_emu);
  CHECK(device.device() == Device::cuda_emu);
  CHECK(device.impl()->storage->data != host.impl()->storage->data);
  CHECK(device.to_vector() == host.to_vector());
  CHECK(device.to(Device::cpu).device() == Device::cpu);
  Tensor labels = from_vector_i64({3, 1}, {2}, Device::cuda_emu);
  CHECK(labels.to_vector_i64() == std::vector<int64_t>{3, 1});
}

TEST_CASE("new cuda-emu memory is poisoned with NaN, so unwritten outputs show") {
  Tensor fresh = empty({100}, DType::f32, Device::cuda_emu);
  for (float v : fresh.to_vector()) CHECK(std::isnan(v));
  for (float v : zeros({100}, DType::f32, Device::cuda_emu).to_vector()) CHECK(v == 0.0f);
}

TEST_CASE("strided views copy through the CUDA gather/scatter kernels") {
  Tensor host = uniform({3, 4, 5}, -1.0f, 1.0f);
  Tensor device = host.to(Device::cuda_emu);
  const Tensor permuted = device.permute({2, 0, 1}).contiguous();
  CHECK(permuted.device() == Device::cuda_emu);
  CHECK(permuted.to_vector() == host.permute({2, 0, 1}).contiguous().to_vector());
  const Tensor sliced = device.slice(1, 1, 4, 2).contiguous();
  CHECK(sliced.to_vector() == host.slice(1, 1, 4, 2).contiguous().to_vector());
  // Scatter: write into a strided view of a device tensor.
  Tensor target = zeros({3, 4, 5}, DType::f32, Device::cuda_emu);
  target.slice(2, 0, 5, 2).fill_(7.0f);
  Tensor expected = zeros({3, 4, 5});
  expected.slice(2, 0, 5, 2).fill_(7.0f);
  CHECK(target.to_vector() == expected.to_vector());
  // Host -> device into a transposed view.
  Tensor square = zeros({4, 4}, DType::f32, Device::cuda_emu);
  Tensor values = uniform({4, 4}, 0.0f, 1.0f);
  square.transpose(0, 1).copy_(values);
  CHECK(square.to_vector() == values.transpose(0, 1).contiguous().to_vector());
}

TEST_CASE("devices report what they are, a missing GPU is a clear error") {
  CHECK(device_available(Device::cpu));
  CHECK(device_available(Device::cuda_emu));
  if (!device_available(Device::cuda)) {
    CHECK_THROWS_WITH_AS(zeros({2}, DType::f32, Device::cuda),
                         doctest::Contains("no CUDA device; use --device cpu or cuda-emu"), Error);
  }
  CHECK(parse_device("cuda-emu") == Device::cuda_emu);
  CHECK_THROWS_WITH_AS(parse_device("tpu"), doctest::Contains("expected cpu, cuda or cuda-emu"),
                       Error);
}

TEST_CASE("out of device memory names the size asked for and what to try") {
  // 2^46 floats (256 TiB): more than any device has, on the emulator as on a GPU.
  const int64_t huge = int64_t{1} << 46;
  CHECK_THROWS_WITH(
      empty({huge}, DType::f32, Device::cuda_emu),
      doctest::Contains("out of device memory: 281474976710656 bytes (262144.00 GiB) asked for; "
                        "try a smaller --batch"));
  CHECK(zeros({4}, DType::f32, Device::cuda_emu).to(Device::cpu).to_vector() ==
        std::vector<float>(4, 0.0f));
}
