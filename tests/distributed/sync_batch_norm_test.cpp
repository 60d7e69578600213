// Synchronised batch norm, with two ranks as two threads of this process: their collectives
// meet in shared memory (ThreadRanks below), so the whole op, forward and backward, runs as
// it does under mpirun, without a second process. Real processes: tests/scripts/mpi_train_test.py.
#include "engine/distributed/sync_batch_norm.h"

#include <algorithm>
#include <barrier>
#include <cmath>
#include <exception>
#include <thread>

#include "engine/nn/batch_norm.h"
#include "engine/ops.h"
#include "models/tiny_cnn.h"
#include "models/wbc_net.h"
#include "tests/ops/batch_norm_inputs.h"
#include "tests/support/testing.h"

using namespace leuko;
using namespace leuko::testing;
using distributed::Communicator;

namespace {

class Done final : public distributed::Pending {
 public:
  void wait() override {}
};

// `size` ranks, one thread each, that sum their buffers through memory they share. Each
// rank adds the buffers in rank order, so every rank gets the same bits, as MPI gives.
class ThreadRanks {
 public:
  explicit ThreadRanks(int size) : slots_(size), barrier_(size) {}

  class Rank final : public Communicator {
   public:
    Rank(ThreadRanks& shared, int rank) : shared_(shared), rank_(rank) {}
    int rank() const override { return rank_; }
    int size() const override { return static_cast<int>(shared_.slots_.size()); }
    std::string backend() const override { return "threads"; }
    std::unique_ptr<distributed::Pending> all_reduce_sum(const Tensor& buffer) override {
      shared_.slots_[rank_] = buffer.data<float>();
      shared_.barrier_.arrive_and_wait();  // every rank's buffer is in
      std::vector<float> total(buffer.numel(), 0.0f);
      for (float* slot : shared_.slots_)
        for (size_t i = 0; i < total.size(); ++i) total[i] += slot[i];
      shared_.barrier_.arrive_and_wait();  // every rank has read them all
      std::copy(total.begin(), total.end(), buffer.data<float>());
      return std::make_unique<Done>();
    }
    void broadcast(const Tensor&, int) override { FAIL("sync_batch_norm broadcasts nothing"); }

   private:
    ThreadRanks& shared_;
    int rank_;
  };

  // Runs work(rank, communicator) on every rank at once; rethrows the first failure.
  template <typename Work>
  void run(Work work) {
    std::vector<std::exception_ptr> failures(slots_.size());
    std::vector<std::thread> threads;
    for (int r = 0; r < static_cast<int>(slots_.size()); ++r)
      threads.emplace_back([&, r] {
        Rank rank(*this, r);
        try {
          work(r, rank);
        } catch (...) {
          failures[r] = std::current_exception();
        }
      });
    for (std::thread& t : threads) t.join();
    for (const std::exception_ptr& f : failures)
      if (f) std::rethrow_exception(f);
  }

 private:
  std::vector<float*> slots_;
  std::barrier<> barrier_;
};

Tensor rows(const Tensor& t, int64_t begin, int64_t end) {
  return contiguous(slice(t.detach(), 0, begin, end)).set_requires_grad(true);
}

}  // namespace

TEST_CASE("sync_batch_norm on one rank is batch_norm: gradcheck, and values beside the kernel's") {
  Generator g(21);
  std::unique_ptr<Communicator> alone = distributed::make_single_process();
  for (const Shape& shape : std::vector<Shape>{{2, 3, 4, 5}, {3, 2, 1, 1}, {5, 4}}) {
    CAPTURE(to_string(shape));
    BatchNormInputs in = make_batch_norm_inputs(shape, g);
    gradcheck(
        [&](const std::vector<Tensor>& v) {
          return distributed::sync_batch_norm(v[0], v[1], v[2], Tensor(), Tensor(), 0.1f, 1e-5f,
                                              *alone);
        },
        {in.x, in.weight, in.bias});

    // Beside the batch_norm kernel: output, every gradient, the running buffers. Both sum
    // in other orders (and the kernel in float where this op uses double), hence 1e-5.
    const Tensor grad_y = uniform(shape, -1.0f, 1.0f, g);
    Tensor mean_a = in.running_mean.clone(), var_a = in.running_var.clone();
    Tensor mean_b = in.running_mean.clone(), var_b = in.running_var.clone();
    const auto copy = [](const BatchNormInputs& from) {
      return BatchNormInputs{leaf_on(from.x, Device::cpu),
                             leaf_on(from.weight, Device::cpu),
                             leaf_on(from.bias, Device::cpu),
                             Tensor(),
                             Tensor(),
                             Tensor()};
    };
    const BatchNormInputs a = copy(in), b = copy(in);
    Tensor y_a = batch_norm(a.x, a.weight, a.bias, mean_a, var_a, true, 0.1f, 1e-5f);
    Tensor y_b =
        distributed::sync_batch_norm(b.x, b.weight, b.bias, mean_b, var_b, 0.1f, 1e-5f, *alone);
    y_a.backward(grad_y);
    y_b.backward(grad_y);
    check_close(y_b, y_a, 1e-5f, 1e-5f, "output");
    check_close(b.x.grad(), a.x.grad(), 1e-4f, 1e-5f, "grad x");
    check_close(b.weight.grad(), a.weight.grad(), 1e-5f, 1e-5f, "grad weight");
    check_close(b.bias.grad(), a.bias.grad(), 1e-5f, 1e-5f, "grad bias");
    check_close(mean_b, mean_a, 1e-5f, 1e-6f, "running_mean");
    check_close(var_b, var_a, 1e-5f, 1e-6f, "running_var");
  }
}

TEST_CASE("two ranks with a part of the batch each give batch_norm of the whole batch") {
  Generator g(22);
  // [4, 3, 5, 5] split 2 + 2 and 3 + 1 (a rank may hold a single image), and [6, 4] 5 + 1.
  struct Split {
    Shape shape;
    int64_t first_rank_rows;
  };
  for (const Split& split : std::vector<Split>{{{4, 3, 5, 5}, 2}, {{4, 3, 5, 5}, 3}, {{6, 4}, 5}}) {
    CAPTURE(to_string(split.shape));
    CAPTURE(split.first_rank_rows);
    BatchNormInputs whole = make_batch_norm_inputs(split.shape, g);
    const Tensor grad_y = uniform(split.shape, -1.0f, 1.0f, g);
    Tensor mean = whole.running_mean.clone(), var = whole.running_var.clone();
    Tensor y = batch_norm(whole.x, whole.weight, whole.bias, mean, var, true, 0.1f, 1e-5f);
    y.backward(grad_y);

    const int64_t N = split.shape[0], cut = split.first_rank_rows;
    const int64_t begin[2] = {0, cut}, end[2] = {cut, N};
    struct RankResult {
      Tensor x, weight, bias, y, running_mean, running_var;
    } result[2];
    ThreadRanks ranks(2);
    ranks.run([&](int r, Communicator& communicator) {
      RankResult& mine = result[r];
      mine.x = rows(whole.x, begin[r], end[r]);
      mine.weight = whole.weight.detach().clone().set_requires_grad(true);
      mine.bias = whole.bias.detach().clone().set_requires_grad(true);
      mine.running_mean = whole.running_mean.clone();
      mine.running_var = whole.running_var.clone();
      mine.y = distributed::sync_batch_norm(mine.x, mine.weight, mine.bias, mine.running_mean,
                                            mine.running_var, 0.1f, 1e-5f, communicator);
      mine.y.backward(slice(grad_y, 0, begin[r], end[r]).contiguous());
    });
    for (int r = 0; r < 2; ++r) {
      CAPTURE(r);
      const Tensor y_part = slice(y.detach(), 0, begin[r], end[r]).contiguous();
      check_close(result[r].y, y_part, 1e-5f, 1e-5f, "output");
      check_close(result[r].x.grad(), slice(whole.x.grad(), 0, begin[r], end[r]).contiguous(),
                  1e-4f, 1e-5f, "grad x");
      check_close(result[r].running_mean, mean, 1e-5f, 1e-6f, "running_mean");
      check_close(result[r].running_var, var, 1e-5f, 1e-6f, "running_var");
    }
    // The parameters' gradients are each rank's part; the gradient all-reduce sums them.
    check_close(result[0].weight.grad() + result[1].weight.grad(), whole.weight.grad(), 1e-5f,
                1e-5f, "grad weight, summed over the ranks");
    check_close(result[0].bias.grad() + result[1].bias.grad(), whole.bias.grad(), 1e-5f, 1e-5f,
                "grad bias, summed over the ranks");

    // What the synchronisation changes: each rank's own statistics give another output.
    const Tensor own = batch_norm(rows(whole.x, 0, cut), whole.weight, whole.bias, Tensor(),
                                  Tensor(), true, 0.1f, 1e-5f);
    const std::vector<float> own_y = own.to_vector(), synced_y = result[0].y.to_vector();
    float largest = 0;
    for (size_t i = 0; i < own_y.size(); ++i)
      largest = std::max(largest, std::abs(own_y[i] - synced_y[i]));
    CHECK(largest > 1e-3f);
  }
}

TEST_CASE("synchronise_batch_norm reaches every batch norm, also those inside ConvBnRelu") {
  std::unique_ptr<Communicator> alone = distributed::make_single_process();
  models::WbcNet wbc_net(5, 32);
  CHECK(distributed::synchronise_batch_norm(wbc_net, *alone) == 8);  // conv1-4, res1-4
  models::TinyCnn tiny_cnn;
  CHECK(distributed::synchronise_batch_norm(tiny_cnn, *alone) == 3);

  // Synchronised over one rank, the WBC net trains as before: the same output and the same
  // running buffers after a training-mode forward (float rounding apart).
  manual_seed(4);
  models::WbcNet plain(5, 32), synced(5, 32);
  synced.load_state_dict(plain.state_dict());
  distributed::synchronise_batch_norm(synced, *alone);
  Generator g(23);
  const Tensor x = uniform({3, 3, 32, 32}, 0.0f, 1.0f, g);
  check_close(synced.forward(x), plain.forward(x), 1e-4f, 1e-5f, "logits");
  const auto a = plain.state_dict(), b = synced.state_dict();
  for (const auto& [name, tensor] : a)
    if (tensor.dtype() == DType::f32) check_close(b.at(name), tensor, 1e-4f, 1e-6f, name);
}
