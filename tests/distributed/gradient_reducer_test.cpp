// Data-parallel gradients without a second process: the gradient-ready hook of the autograd
// tape, and the GradientReducer over the single-process communicator (its buckets, its
// scaling by the rank's share, and the overlap). Two real ranks: tests/scripts/mpi_train_test.py.
#include "engine/distributed/gradient_reducer.h"

#include <map>

#include "engine/autograd.h"
#include "engine/ops.h"
#include "engine/random.h"
#include "tests/support/testing.h"

using namespace leuko;
using namespace leuko::testing;

namespace {

struct TwoLayers {  // y = relu(x W1^T) W2^T, summed; w3 unused by the loss
  Generator g{5};
  Tensor x = random_input({4, 6}, g).set_requires_grad(false);  // the data: no gradient
  Tensor w1 = random_input({5, 6}, g).set_requires_grad(true);
  Tensor w2 = random_input({3, 5}, g).set_requires_grad(true);
  Tensor w3 = random_input({2, 2}, g).set_requires_grad(true);
  Tensor loss() const {
    return sum(matmul(relu(matmul(x, w1.transpose(0, 1))), w2.transpose(0, 1)));
  }
};

}  // namespace

TEST_CASE("the gradient-ready hook fires once per leaf, when its gradient is complete") {
  TwoLayers net;
  // w1 feeds the loss through two paths, so its gradient is the sum of two contributions:
  // the hook must fire only after both.
  const Tensor loss = add(net.loss(), sum(mul(net.w1, net.w1)));
  std::map<TensorImpl*, int> calls;
  std::map<TensorImpl*, std::vector<float>> at_call;
  {
    GradientReadyGuard hook([&](const Tensor& leaf) {
      ++calls[leaf.impl()];
      at_call[leaf.impl()] = leaf.grad().to_vector();
    });
    loss.backward();
  }
  CHECK(calls.size() == 2);  // w3 is not in the graph
  CHECK(calls[net.w1.impl()] == 1);
  CHECK(calls[net.w2.impl()] == 1);
  CHECK(at_call[net.w1.impl()] == net.w1.grad().to_vector());
  CHECK(at_call[net.w2.impl()] == net.w2.grad().to_vector());
  // No guard: no hook.
  net.w1.zero_grad();
  calls.clear();
  net.loss().backward();
  CHECK(calls.empty());
}

TEST_CASE("GradientReducer: buckets in reverse order, gradients scaled by the share") {
  TwoLayers net;
  net.loss().backward();
  const std::vector<float> g1 = net.w1.grad().to_vector(), g2 = net.w2.grad().to_vector();
  net.w1.zero_grad();
  net.w2.zero_grad();

  std::unique_ptr<distributed::Communicator> alone = distributed::make_single_process();
  // 16-byte buckets: one tensor each (w3 registered last, so bucket 0).
  distributed::GradientReducer reducer(*alone, {net.w1, net.w2, net.w3}, 16);
  CHECK(reducer.buckets() == 3);
  reducer.backward(net.loss(), 0.25);
  std::vector<float> quarter1 = g1, quarter2 = g2;
  for (float& v : quarter1) v *= 0.25f;
  for (float& v : quarter2) v *= 0.25f;
  CHECK(net.w1.grad().to_vector() == quarter1);
  CHECK(net.w2.grad().to_vector() == quarter2);
  // The unused w3 gets zeros (every rank must send every bucket).
  CHECK(net.w3.grad().to_vector() == std::vector<float>(4, 0.0f));
  // w3's bucket (first in order) never fills during backward, so nothing can start before
  // it: buckets go strictly in order.
  CHECK(reducer.buckets_started_during_backward() == 0);

  // Without the unused parameter, both buckets start while backward runs.
  net.w1.zero_grad();
  net.w2.zero_grad();
  distributed::GradientReducer overlapped(*alone, {net.w1, net.w2}, 16);
  overlapped.backward(net.loss(), 1.0);
  CHECK(overlapped.buckets_started_during_backward() == 2);
  CHECK(net.w1.grad().to_vector() == g1);
  net.w1.zero_grad();
  net.w2.zero_grad();
  distributed::GradientReducer after(*alone, {net.w1, net.w2}, 16, /*overlap=*/false);
  after.backward(net.loss(), 1.0);
  CHECK(after.buckets_started_during_backward() == 0);
  CHECK(net.w2.grad().to_vector() == g2);

  CHECK_THROWS_WITH_AS(after.backward(net.loss(), 0.0), doctest::Contains("expected (0, 1]"),
                       Error);
}
