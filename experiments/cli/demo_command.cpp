// `leuko demo`: trains the tiny CNN on generated cell images and prints the falling loss and
// the final test accuracy — the quickest end-to-end check that the engine learns.
#include <chrono>
#include <cstdio>

#include "engine/autograd.h"
#include "engine/data/synthetic.h"
#include "engine/metrics.h"
#include "engine/ops.h"
#include "engine/optim/adam.h"
#include "engine/optim/lr_schedule.h"
#include "experiments/cli/commands.h"
#include "experiments/cli/option_checks.h"
#include "models/tiny_cnn.h"

namespace leuko::cli {

namespace {

struct DemoOptions {
  int steps = 400;
  int batch = 32;
  int size = 32;
  int test_images = 500;
  double lr = 3e-3;
  uint64_t seed = 0;
};

double test_accuracy(models::TinyCnn& net, const data::Batch& test) {
  NoGradGuard no_grad;
  net.eval();
  ConfusionMatrix confusion(5);
  confusion.add(test.labels.to_vector_i64(), argmax_rows(net(test.images)));
  net.train();
  return classification_report(confusion).accuracy;
}

void run_demo(const DemoOptions& o) {
  using clock = std::chrono::steady_clock;
  manual_seed(o.seed);
  Generator data_generator(o.seed + 1);
  std::printf(
      "leuko demo: tiny CNN on generated %dx%d cell images (5 classes), %d steps of batch %d\n",
      o.size, o.size, o.steps, o.batch);
  const data::Batch test = data::synthetic_batch(o.test_images, o.size, data_generator);
  models::TinyCnn net;
  optim::Adam optimizer(net.parameters(), {.lr = o.lr});
  optim::OneCycle schedule(optimizer, {.max_lr = o.lr, .total_steps = o.steps});
  std::printf("parameters: %lld, test accuracy before training: %.1f%%\n",
              static_cast<long long>(net.parameter_count()), 100.0 * test_accuracy(net, test));

  const auto start = clock::now();
  double running_loss = 0.0;
  int running_count = 0;
  const int report_every = std::max(1, o.steps / 10);
  for (int step = 1; step <= o.steps; ++step) {
    const data::Batch batch = data::synthetic_batch(o.batch, o.size, data_generator);
    Tensor loss = cross_entropy(net(batch.images), batch.labels);
    loss.backward();
    optimizer.step();
    optimizer.zero_grad();
    schedule.step();
    running_loss += loss.item();
    ++running_count;
    if (step % report_every == 0 || step == o.steps) {
      const double seconds = std::chrono::duration<double>(clock::now() - start).count();
      std::printf("step %4d/%d  loss %.4f  lr %.2e  %.0f images/s\n", step, o.steps,
                  running_loss / running_count, optimizer.lr(), step * o.batch / seconds);
      std::fflush(stdout);
      running_loss = 0.0;
      running_count = 0;
    }
  }
  std::printf("final test accuracy: %.1f%% on %d generated images\n",
              100.0 * test_accuracy(net, test), o.test_images);
}

}  // namespace

void add_demo_command(CLI::App& app) {
  auto options = std::make_shared<DemoOptions>();
  CLI::App* demo = app.add_subcommand(
      "demo", "Train a small CNN on generated cell images; prints falling loss and accuracy");
  demo->footer("Example:\n  leuko demo --steps 200 --seed 1");
  demo->add_option("--steps", options->steps, "optimizer steps")->check(in_range(1, 1000000));
  demo->add_option("--batch", options->batch, "images per step")->check(in_range(1, kMaxBatch));
  demo->add_option("--size", options->size, "image side in pixels")->check(in_range(16, 256));
  demo->add_option("--lr", options->lr, "peak learning rate of the OneCycle schedule")
      ->check(positive());
  demo->add_option("--seed", options->seed, "random seed")->check(seed_check());
  demo->callback([options] { run_demo(*options); });
}

}  // namespace leuko::cli
