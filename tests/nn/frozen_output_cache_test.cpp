// The frozen-output cache: it returns what the function returns (bit for bit), computes each
// distinct input once while it has room, and recomputes once its budget is spent. Study A's
// combined model trains the same, bit for bit, with its pRCC encoder cached or recomputed.
#include <memory>

#include "engine/autograd.h"
#include "engine/nn/frozen_output_cache.h"
#include "engine/ops.h"
#include "engine/optim/adam.h"
#include "models/combined_wbc.h"
#include "tests/support/testing.h"

using namespace leuko;

namespace {

// The rows of a batch tensor, as a new batch in the given order.
Tensor rows(const Tensor& batch, const std::vector<int64_t>& order) {
  std::vector<Tensor> parts;
  for (int64_t i : order) parts.push_back(batch.slice(0, i, i + 1));
  return concat(parts, 0);
}

bool same_bits(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape() || a.dtype() != b.dtype()) return false;
  if (a.dtype() == DType::i64)
    return a.to(Device::cpu).to_vector_i64() == b.to(Device::cpu).to_vector_i64();
  return a.to(Device::cpu).to_vector() == b.to(Device::cpu).to_vector();
}

}  // namespace

TEST_CASE("frozen output cache: each input computed once, hits read back, budget respected") {
  for (const Device device : {Device::cpu, testing::gpu_test_device()}) {
    CAPTURE(to_string(device));
    int64_t computed = 0;
    const auto f = [&](const Tensor& x) {
      computed += x.size(0);
      return x * 2.0f + 1.0f;
    };
    Generator g(3);
    const Tensor images = uniform({5, 2, 3, 3}, -1.0f, 1.0f, g).to(device);
    nn::FrozenOutputCache cache(f, {.budget_bytes = 1 << 20});
    CHECK(same_bits(cache(rows(images, {0, 1, 2})), f(rows(images, {0, 1, 2}))));
    CHECK(computed == 6);  // 3 by the cache, 3 by the check
    computed = 0;
    // 3 and 4 are new: the whole batch is computed (as without the cache); 3 twice is stored
    // once. Then a batch the cache holds whole is read back, computing nothing.
    const Tensor mixed = cache(rows(images, {2, 3, 0, 4, 3}));
    CHECK(computed == 5);
    CHECK(mixed.device() == device);
    CHECK(same_bits(mixed, rows(images, {2, 3, 0, 4, 3}) * 2.0f + 1.0f));
    CHECK(cache.stored() == 5);
    computed = 0;
    CHECK(same_bits(cache(rows(images, {4, 1})), rows(images, {4, 1}) * 2.0f + 1.0f));
    CHECK(computed == 0);
    CHECK(cache.hits() == 2);    // 4 and 1: a batch with a miss counts no hit
    CHECK(cache.misses() == 6);  // 0, 1, 2; then 3, 4 and 3 again

    // A budget of two outputs: the third input is recomputed each time, with the same result.
    nn::FrozenOutputCache small(f, {.budget_bytes = 2 * 18 * 4});
    for (int epoch = 0; epoch < 2; ++epoch)
      CHECK(same_bits(small(rows(images, {0, 1, 2})), rows(images, {0, 1, 2}) * 2.0f + 1.0f));
    CHECK(small.stored() == 2);
    CHECK(small.hits() == 0);  // the third input is never stored: every batch is recomputed
    CHECK(small.misses() == 4);
  }
}

TEST_CASE("the pRCC encoder's outputs do not depend on the other images of their batch") {
  // What makes the cache exact for Study A: a latent computed among other images, or among
  // fewer, is the same bits (at the study's 512 px, where every conv runs image by image).
  // Not checked for a batch of one image: the conv then splits the image over the threads,
  // and with some OpenBLAS kernels (OPENBLAS_CORETYPE=Haswell on an AVX-512 EPYC) its last
  // bits differ; the cache computes whole batches, so it never makes one of a larger batch.
  manual_seed(4);
  models::PrccAutoencoder encoder;
  Generator g(8);
  const Tensor images = uniform({3, 3, 512, 512}, 0.0f, 1.0f, g);
  NoGradGuard no_grad;
  const Tensor whole = encoder.encode(images);
  CHECK(same_bits(encoder.encode(rows(images, {1, 0})), rows(whole, {1, 0})));
  CHECK(same_bits(encoder.encode(rows(images, {2, 0})), rows(whole, {2, 0})));
}

TEST_CASE("the combined model trains bit for bit the same with its frozen encoder cached") {
  // Two epochs of four 512/256/224 px views in two batches of two, Adam, faithful frozen BN
  // (train mode in the frozen Camelyon16 backbone): every loss and every weight identical.
  const auto train = [](bool cached) {
    manual_seed(11);
    auto prcc = std::make_shared<models::PrccAutoencoder>();
    auto cam16 = std::make_shared<models::Cam16Classifier>(nn::Module::FreezeMode::gradients_only);
    models::CombinedWbc net(prcc, cam16, nn::Module::FreezeMode::gradients_only);
    optim::Adam optimizer(net.trainable_parameters(), {.lr = 1e-3});
    const auto latent = [&](const Tensor& x512) { return net.prcc_latent(x512); };
    nn::FrozenOutputCache cache(latent, {.budget_bytes = int64_t{1} << 30});
    Generator g(2);
    const Tensor wbc = uniform({4, 3, 256, 256}, 0.0f, 1.0f, g),
                 prcc512 = uniform({4, 3, 512, 512}, 0.0f, 1.0f, g),
                 cam = uniform({4, 3, 224, 224}, 0.0f, 1.0f, g);
    const std::vector<int64_t> labels{0, 3, 1, 4};
    std::vector<float> losses;
    const std::vector<std::vector<int64_t>> batches{
        {0, 1}, {2, 3}, {3, 1}, {0, 2}};  // two shuffled epochs
    for (const std::vector<int64_t>& b : batches) {
      const Tensor x = rows(prcc512, b);
      Tensor loss =
          cross_entropy(net.run(rows(wbc, b), cached ? cache(x) : latent(x), rows(cam, b)),
                        from_vector_i64({labels[b[0]], labels[b[1]]}, {2}));
      loss.backward();
      optimizer.step();
      optimizer.zero_grad();
      losses.push_back(loss.item());
    }
    if (cached) CHECK(cache.hits() == 4);
    return std::pair{losses, net.state_dict()};
  };
  const auto [cached_losses, cached_weights] = train(true);
  const auto [losses, weights] = train(false);
  CHECK(cached_losses == losses);
  for (const auto& [name, tensor] : weights) {
    CAPTURE(name);
    CHECK(same_bits(cached_weights.at(name), tensor));
  }
}
