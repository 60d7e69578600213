// The engine learns: a small CNN trained for a few hundred steps on generated cell images
// reaches high accuracy on images it never saw. Fails if any forward, backward or update
// in the chain is broken.
#include "engine/autograd.h"
#include "engine/data/synthetic.h"
#include "engine/metrics.h"
#include "engine/ops.h"
#include "engine/optim/adam.h"
#include "engine/optim/lr_schedule.h"
#include "models/tiny_cnn.h"
#include "tests/support/testing.h"

using namespace leuko;

static double accuracy(models::TinyCnn& net, const data::Batch& batch) {
  NoGradGuard no_grad;
  net.eval();
  ConfusionMatrix confusion(5);
  confusion.add(batch.labels.to_vector_i64(), argmax_rows(net(batch.images)));
  net.train();
  return classification_report(confusion).accuracy;
}

TEST_CASE("a tiny CNN trained on synthetic cells reaches high test accuracy") {
  manual_seed(3);
  Generator data_generator(11);
  const data::Batch test = data::synthetic_batch(200, 32, data_generator);
  models::TinyCnn net;
  const int steps = 300;
  optim::Adam optimizer(net.parameters(), {.lr = 3e-3});
  optim::OneCycle schedule(optimizer, {.max_lr = 3e-3, .total_steps = steps});
  const double before = accuracy(net, test);
  float first_loss = 0.0f, last_loss = 0.0f;
  for (int step = 0; step < steps; ++step) {
    const data::Batch batch = data::synthetic_batch(32, 32, data_generator);
    Tensor loss = cross_entropy(net(batch.images), batch.labels);
    loss.backward();
    optimizer.step();
    optimizer.zero_grad();
    schedule.step();
    (step == 0 ? first_loss : last_loss) = loss.item();
  }
  const double after = accuracy(net, test);
  MESSAGE("loss ", first_loss, " -> ", last_loss, ", test accuracy ", before, " -> ", after);
  CHECK(last_loss < 0.5f * first_loss);
  CHECK(after >= 0.9f);
}
