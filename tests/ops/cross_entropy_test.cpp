#include <cmath>
#include <string>

#include "engine/error.h"
#include "engine/ops.h"
#include "tests/support/device_compare.h"
#include "tests/support/testing.h"

using namespace leuko;
using namespace leuko::testing;

TEST_CASE("cross_entropy gives the hand-computed weighted mean") {
  // Sample 0: logits [0, 0], label 0 -> nll ln 2. Sample 1: logits [0, ln 3], label 1 ->
  // p = 3/4, nll ln(4/3). Weights [1, 3]: (1 ln 2 + 3 ln(4/3)) / (1 + 3).
  const Tensor logits = from_vector({0.0f, 0.0f, 0.0f, std::log(3.0f)}, {2, 2});
  const Tensor labels = from_vector_i64({0, 1}, {2});
  const float plain = float((std::log(2.0) + std::log(4.0 / 3.0)) / 2.0);
  const float weighted = float((std::log(2.0) + 3.0 * std::log(4.0 / 3.0)) / 4.0);
  const Tensor loss = cross_entropy(logits, labels);
  CHECK(loss.dim() == 0);
  CHECK(loss.item() == doctest::Approx(plain).epsilon(1e-6));
  CHECK(cross_entropy(logits, labels, from_vector({1.0f, 3.0f}, {2})).item() ==
        doctest::Approx(weighted).epsilon(1e-6));
  // Equal weights, whatever their size, give the unweighted mean.
  CHECK(cross_entropy(logits, labels, from_vector({2.5f, 2.5f}, {2})).item() ==
        doctest::Approx(plain).epsilon(1e-6));
}

TEST_CASE("cross_entropy gradient is w[y]/W * (softmax - onehot), by hand") {
  Tensor logits = from_vector({0.0f, 0.0f, 0.0f, std::log(3.0f)}, {2, 2});
  logits.set_requires_grad(true);
  cross_entropy(logits, from_vector_i64({0, 1}, {2}), from_vector({1.0f, 3.0f}, {2})).backward();
  // Sample 0: 1/4 * ([1/2, 1/2] - [1, 0]); sample 1: 3/4 * ([1/4, 3/4] - [0, 1]).
  const Tensor expected = from_vector({-0.125f, 0.125f, 0.1875f, -0.1875f}, {2, 2});
  check_close(logits.grad(), expected, 1e-6f, 1e-7f, "gradient");
}

TEST_CASE("cross_entropy matches PyTorch with and without class weights: loss and gradient") {
  const SafetensorsFile golden = load_golden("cross_entropy");
  for (const std::string name :
       {"weighted_n7_k5", "plain_n16_k5", "weighted_n1_k2", "large_n4_k5"}) {
    CAPTURE(name);
    Tensor logits = golden_tensor(golden, name + "/logits").clone();
    logits.set_requires_grad(true);
    const Tensor labels = golden_tensor(golden, name + "/labels");
    const bool weighted = name.rfind("weighted", 0) == 0 || name == "large_n4_k5";
    const Tensor weights = weighted ? golden_tensor(golden, name + "/weights") : Tensor();
    const Tensor loss = cross_entropy(logits, labels, weights);
    loss.backward();
    // 1e-5 relative: the same math (float32 logsumexp vs torch's float64 reference). For
    // logits ~1000 the logsumexp itself is ~1000, so its float32 rounding (~6e-5) sets the
    // gradient's absolute error: 1e-4 there.
    const float atol = name == "large_n4_k5" ? 1e-4f : 1e-6f;
    check_close(loss.reshape({1}), golden_tensor(golden, name + "/loss"), 1e-5f, atol,
                name + " loss");
    check_close(logits.grad(), golden_tensor(golden, name + "/grad"), 1e-5f, atol, name + " grad");
  }
}

TEST_CASE("cross_entropy gradient matches finite differences (with and without weights)") {
  Generator g(21);
  struct Case {
    int64_t n, k;
    std::vector<int64_t> labels;
    std::vector<float> weights;  // empty: none
  };
  const std::vector<Case> cases = {
      {1, 2, {1}, {}},
      {1, 2, {0}, {0.7f, 2.0f}},
      {6, 5, {0, 4, 2, 2, 1, 3}, {}},
      {6, 5, {0, 4, 2, 2, 1, 3}, {0.5f, 1.0f, 2.0f, 0.0f, 3.0f}},
      {3, 5, {4, 4, 0}, {1.0f, 1.0f, 1.0f, 1.0f, 4.0f}},
  };
  for (const Case& c : cases) {
    CAPTURE(c.n);
    CAPTURE(c.k);
    CAPTURE(c.weights.size());
    const Tensor logits = random_input({c.n, c.k}, g, -3.0f, 3.0f);
    const Tensor labels = from_vector_i64(c.labels, {c.n});
    const Tensor weights =
        c.weights.empty() ? Tensor() : from_vector(c.weights, {static_cast<int64_t>(c.k)});
    gradcheck([&](const std::vector<Tensor>& in) { return cross_entropy(in[0], labels, weights); },
              {logits});
  }
}

TEST_CASE("logits of +-1000 give a finite loss and gradient") {
  Tensor logits = from_vector({1000.0f, 0.0f, -1000.0f, -1000.0f, 1000.0f, 0.0f}, {2, 3});
  logits.set_requires_grad(true);
  const Tensor loss = cross_entropy(logits, from_vector_i64({1, 0}, {2}));
  loss.backward();
  CHECK(loss.item() == doctest::Approx(1500.0f));  // nll 1000 and 2000, mean 1500
  const std::vector<float> grad = logits.grad().to_vector();
  for (float v : grad) CHECK(std::isfinite(v));
  // Each row's softmax is one-hot on its largest logit: 1/2 * (softmax - onehot(label)).
  CHECK(grad == std::vector<float>{0.5f, -0.5f, 0.0f, -0.5f, 0.5f, 0.0f});
}

TEST_CASE("a large batch (split over threads) agrees with log_softmax composed by hand") {
  Generator g(4);
  const int64_t n = 10001, k = 5;
  const Tensor logits = uniform({n, k}, -5.0f, 5.0f, g);
  std::vector<int64_t> labels(n);
  for (int64_t i = 0; i < n; ++i) labels[i] = static_cast<int64_t>(g.next_u64() % k);
  const Tensor weights = from_vector({0.5f, 1.0f, 2.0f, 1.5f, 0.25f}, {k});
  const std::vector<float> log_p = log_softmax(logits, 1).to_vector();
  const std::vector<float> w = weights.to_vector();
  double numerator = 0.0, denominator = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    numerator -= w[labels[i]] * double(log_p[i * k + labels[i]]);
    denominator += w[labels[i]];
  }
  const float loss = cross_entropy(logits, from_vector_i64(labels, {n}), weights).item();
  CHECK(loss == doctest::Approx(numerator / denominator).epsilon(1e-5));
}

TEST_CASE("cross_entropy rejects bad input with clear messages") {
  const Tensor logits = zeros({4, 5});
  const Tensor labels = from_vector_i64({0, 1, 2, 7}, {4});
  CHECK_THROWS_WITH_AS(
      cross_entropy(logits, labels),
      doctest::Contains("cross_entropy: label 7 at sample 3 is out of range for 5 classes"), Error);
  CHECK_THROWS_WITH_AS(cross_entropy(logits, from_vector_i64({0, -1, 2, 3}, {4})),
                       doctest::Contains("label -1 at sample 1 is out of range"), Error);
  CHECK_THROWS_WITH_AS(cross_entropy(logits, from_vector({0, 1, 2, 3}, {4})),
                       doctest::Contains("cross_entropy: labels must be int64, got float32"),
                       Error);
  CHECK_THROWS_WITH_AS(cross_entropy(zeros({5}), from_vector_i64({0}, {1})),
                       doctest::Contains("cross_entropy: logits [N, K] must be 2-D, got shape [5]"),
                       Error);
  CHECK_THROWS_WITH_AS(
      cross_entropy(logits, from_vector_i64({0, 1, 2}, {3})),
      doctest::Contains("labels must have shape [4] (one per row of logits [4, 5]), got [3]"),
      Error);
  const Tensor ok_labels = from_vector_i64({0, 1, 2, 3}, {4});
  CHECK_THROWS_WITH_AS(
      cross_entropy(logits, ok_labels, ones({4})),
      doctest::Contains(
          "class_weights must have shape [5] (one per class of logits [4, 5]), got [4]"),
      Error);
  CHECK_THROWS_WITH_AS(
      cross_entropy(logits, ok_labels, from_vector({1, 1, -0.5f, 1, 1}, {5})),
      doctest::Contains("class weight 2 is -0.5; class weights must be finite and >= 0"), Error);
  CHECK_THROWS_WITH_AS(cross_entropy(logits, ok_labels, from_vector({0, 0, 0, 0, 1}, {5})),
                       doctest::Contains("class weights of this batch's labels sum to 0"), Error);
  CHECK_THROWS_WITH_AS(cross_entropy(zeros({0, 5}), from_vector_i64({}, {0})),
                       doctest::Contains("at least one sample and one class, got [0, 5]"), Error);
}

// ---- GPU backend (kernels/cuda/cross_entropy.cu) ---------------------------------------

// Row logsumexps are summed by warp shuffles and the batch by a block reduction, in float;
// the CPU sums rows sequentially (fast_exp) and the batch in double: 1e-5 relative.
TEST_CASE("cuda-emu matches the CPU: cross_entropy with and without class weights") {
  leuko::Generator g(51);
  // (n, k): batch 1; rows narrower than a warp; rows longer than a warp with a tail; more
  // rows than one block of 8 warps.
  for (const auto& [n, k] :
       std::vector<std::pair<int64_t, int64_t>>{{1, 3}, {5, 7}, {3, 70}, {19, 10}}) {
    const Tensor logits = random_input({n, k}, g, -4.0f, 4.0f);
    std::vector<int64_t> label_values;
    for (int64_t i = 0; i < n; ++i) label_values.push_back(static_cast<int64_t>(g.next_u64() % k));
    const Tensor labels = from_vector_i64(label_values, {n});
    const Tensor weights = uniform({k}, 0.2f, 2.0f, g);
    const std::string what = "cross_entropy [" + std::to_string(n) + ", " + std::to_string(k) + "]";
    leuko::testing::check_device_matches_cpu(
        [](const std::vector<Tensor>& in) { return cross_entropy(in[0], in[1]); }, {logits, labels},
        what);
    leuko::testing::check_device_matches_cpu(
        [](const std::vector<Tensor>& in) { return cross_entropy(in[0], in[1], in[2]); },
        {logits, labels, weights}, what + " weighted");
  }
}

TEST_CASE("cuda-emu: cross_entropy checks labels and weights held on the device") {
  const Device device = leuko::testing::gpu_test_device();
  const Tensor logits = zeros({2, 3}, DType::f32, device);
  CHECK_THROWS_WITH_AS(cross_entropy(logits, from_vector_i64({0, 3}, {2}, device)),
                       doctest::Contains("label 3 at sample 1 is out of range for 3 classes"),
                       Error);
  CHECK_THROWS_WITH_AS(cross_entropy(logits, from_vector_i64({0, 1}, {2}, device),
                                     from_vector({0, 0, 1}, {3}, device)),
                       doctest::Contains("sum to 0"), Error);
  CHECK_THROWS_WITH_AS(cross_entropy(logits, from_vector_i64({0, 1}, {2})),
                       doctest::Contains("cross_entropy: tensors on different devices"), Error);
}
