// The CUDA backend's streams (kernels/cuda/stream.h): ops under a StreamGuard, uploads on
// the copy stream ordered by their event, the page-locked cache's reuse rule, and
// DeviceBatches (one upload ahead). Under the emulator a copy queued on the copy stream is
// really late until something orders it, so a missing wait shows up as stale values.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>
#include <vector>

#include "engine/data/device_batches.h"
#include "engine/data/loader.h"
#include "engine/data/synthetic.h"
#include "engine/ops.h"
#include "engine/storage.h"
#include "kernels/cuda/runtime.h"
#include "kernels/cuda/stream.h"
#include "tests/data/temp_folder.h"
#include "tests/support/testing.h"

using namespace leuko;

namespace {

Tensor random_tensor(const Shape& shape, Generator& g, Device device) {
  std::vector<float> values(static_cast<size_t>(shape_numel(shape)));
  for (float& v : values) v = 2.0f * g.uniform() - 1.0f;
  return from_vector(values, shape, device);
}

// A few ops of different kinds (a convolution, a reduction, a matrix product, an
// elementwise op), brought back to the host.
std::vector<std::vector<float>> run_ops(const Tensor& x, const Tensor& w, const Tensor& a,
                                        const Tensor& b) {
  const Tensor y = relu(conv2d(x, w));
  return {y.to_vector(), sum(y, {1, 3}).to_vector(), matmul(a, b).to_vector(),
          mul(add(a, 0.5f), a).to_vector()};
}

// Runs the same ops on the compute stream and under a StreamGuard: the same kernels in the
// same order must give the same bits, and the guard's stream must be the current one
// inside it (and the previous one again after it).
template <typename Stream, typename StreamGuard>
void check_ops_under_guard(Device device, void* (*current_stream)()) {
  Generator g(11);
  const Tensor x = random_tensor({3, 5, 9, 7}, g, device),
               w = random_tensor({4, 5, 3, 3}, g, device);
  const Tensor a = random_tensor({33, 17}, g, device), b = random_tensor({17, 29}, g, device);
  const std::vector<std::vector<float>> expected = run_ops(x, w, a, b);

  void* const compute = current_stream();
  Stream side, inner;
  CHECK(side.handle() != compute);
  std::vector<std::vector<float>> guarded;
  {
    StreamGuard guard(side);
    CHECK(current_stream() == side.handle());
    guarded = run_ops(x, w, a, b);
    {
      StreamGuard nested(inner);
      CHECK(current_stream() == inner.handle());
    }
    CHECK(current_stream() == side.handle());
  }
  CHECK(current_stream() == compute);
  for (size_t k = 0; k < expected.size(); ++k) CHECK(guarded[k] == expected[k]);

  // Results made under a guard are safe to use after it: the compute stream waited for them.
  Tensor made_under_guard;
  {
    StreamGuard guard(side);
    made_under_guard = mul(a, 3.0f);
  }
  CHECK(add(made_under_guard, 1.0f).to_vector() == add(mul(a, 3.0f), 1.0f).to_vector());
  side.synchronize();
}

void* host_data(const Tensor& t) { return t.impl()->storage->data; }

}  // namespace

TEST_CASE("ops launched under a StreamGuard give the same values, on the guard's stream") {
  check_ops_under_guard<cuda_emu::Stream, cuda_emu::StreamGuard>(Device::cuda_emu,
                                                                 cuda_emu::current_stream_handle);
#if LEUKO_WITH_CUDA
  if (testing::gpu_test_device() == Device::cuda)
    check_ops_under_guard<cuda::Stream, cuda::StreamGuard>(Device::cuda,
                                                           cuda::current_stream_handle);
#endif
}

TEST_CASE("an upload on the copy stream reaches the consuming kernel only through its event") {
  // Emulator only: on a GPU the kernel before the wait would be a race, not a sure result.
  for (const int64_t n : {1, 1000, 4099}) {
    Generator g(static_cast<uint64_t>(n));
    const Tensor source = empty_pinned({n});
    const Tensor values = random_tensor({n}, g, Device::cpu);
    std::memcpy(host_data(source), host_data(values), n * sizeof(float));
    const Tensor target = empty({n}, DType::f32, Device::cuda_emu);  // NaN-poisoned

    void* upload = cuda_emu::upload_async(host_data(target), host_data(source), n * sizeof(float));
    const std::vector<float> too_early = mul(target, 2.0f).to_vector();
    CHECK(std::all_of(too_early.begin(), too_early.end(), [](float v) { return std::isnan(v); }));

    cuda_emu::wait_for_upload(upload);
    CHECK(mul(target, 2.0f).to_vector() == mul(values, 2.0f).to_vector());
  }
}

TEST_CASE("PendingUpload: the device's later work sees the bytes once it is finished") {
  const Device device = testing::gpu_test_device();
  for (const int64_t n : {1, 257, 12345}) {
    Generator g(static_cast<uint64_t>(n) + 5);
    const Tensor values = random_tensor({n}, g, Device::cpu);
    const Tensor source = empty_pinned({n});
    std::memcpy(host_data(source), host_data(values), n * sizeof(float));
    const Tensor target = empty({n}, DType::f32, device);
    PendingUpload upload(device, host_data(target), source.impl()->storage, host_data(source),
                         n * sizeof(float));
    upload.finish();
    upload.finish();  // idempotent
    CHECK(add(target, 1.0f).to_vector() == add(values, 1.0f).to_vector());
  }
  // One never finished is finished when it goes: the next users of the memory come after it.
  {
    const Tensor source = full({100}, 4.0f);
    const Tensor target = empty({100}, DType::f32, device);
    PendingUpload upload(device, host_data(target), source.impl()->storage, host_data(source),
                         100 * sizeof(float));
  }
  const Tensor empty_source = empty({0});
  PendingUpload nothing(device, nullptr, empty_source.impl()->storage, nullptr, 0);
  nothing.finish();

  const Tensor source = full({4}, 1.0f);
  CHECK_THROWS_WITH_AS(
      PendingUpload(Device::cpu, host_data(source), source.impl()->storage, host_data(source), 16),
      doctest::Contains("not to the cpu"), leuko::Error);
}

TEST_CASE("a page-locked block is handed out again only after the uploads from it") {
  const size_t bytes = 777'777;  // a size no other case uses, so the cache holds only ours
  void* device = cuda_emu::device_malloc(bytes);
  void* first = cuda_emu::pinned_host_malloc(bytes);
  void* upload = cuda_emu::upload_async(device, first, bytes);
  cuda_emu::pinned_host_free(first);
  void* second = cuda_emu::pinned_host_malloc(bytes);
  CHECK(second != first);  // `first` is still the source of a queued copy

  cuda_emu::wait_for_upload(upload);  // the copy runs
  cuda_emu::pinned_host_free(second);
  void* third = cuda_emu::pinned_host_malloc(bytes);
  CHECK((third == first || third == second));  // reused, not made anew
  cuda_emu::pinned_host_free(third);
  cuda_emu::device_free(device);
}

TEST_CASE("DeviceBatches hands out the loader's batches on the device, one upload ahead") {
  const testing::TempFolder folder;
  data::write_synthetic_folder(folder.path(),
                               {.size = 16, .train_per_class = 3, .test_per_class = 1});
  const data::Dataset dataset = data::scan_image_folder(folder / "train");
  data::LoaderOptions options;
  options.batch_size = 4;  // 5 classes x 3 images: batches of 4, 4, 4, 3
  options.workers = 1;
  options.seed = 2;
  data::Loader reference(dataset, options);
  options.pin_memory = true;
  data::Loader pinned(dataset, options);
  const Device device = testing::gpu_test_device();
  data::DeviceBatches batches(pinned, device);

  for (const int64_t epoch : {0, 1}) {
    reference.start_epoch(epoch);
    batches.start_epoch(epoch);
    int64_t count = 0;
    while (std::optional<data::Batch> expected = reference.next()) {
      const std::optional<data::Batch> batch = batches.next();
      REQUIRE(batch.has_value());
      CHECK(batch->images.device() == device);
      CHECK(batch->labels.device() == device);
      CHECK(batch->indices == expected->indices);
      CHECK(batch->images.to_vector() == expected->images.to_vector());
      CHECK(batch->labels.to_vector_i64() == expected->labels.to_vector_i64());
      ++count;
    }
    CHECK(count == 4);
    CHECK_FALSE(batches.next().has_value());
  }

  // Starting an epoch with a batch in flight drops it; the new epoch starts from its first.
  reference.start_epoch(3);
  batches.start_epoch(2);
  REQUIRE(batches.next().has_value());
  batches.start_epoch(3);
  CHECK(batches.next()->images.to_vector() == reference.next()->images.to_vector());

  // On the CPU the batches pass through.
  data::DeviceBatches on_cpu(reference, Device::cpu);
  on_cpu.start_epoch(0);
  CHECK(on_cpu.next()->images.device() == Device::cpu);
}
