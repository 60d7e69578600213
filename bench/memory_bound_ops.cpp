// Throughput of the memory-bound ops at the WBC net's activation sizes: batch norm
// (training), fused batch norm + ReLU, ReLU, 2x2 max pooling and the residual add, forward and
// backward, in GB/s and as a fraction of the copy bandwidth measured in the same run. Bytes
// counted are the least each pass must move (every input read once, every output written
// once), so a fraction near 1 means the op is as fast as a copy of the same data.
#include <functional>
#include <string>

#include "bench/benchmarks.h"
#include "bench/ceilings.h"
#include "engine/autograd.h"
#include "engine/ops.h"
#include "engine/random.h"

namespace leuko::bench {
namespace {

struct Measured {
  double forward_s, backward_s;
};

// Times forward alone, then forward + backward (the backward is the difference).
Measured time_op(const std::function<Tensor()>& forward, const Tensor& grad,
                 std::vector<Tensor> leaves) {
  const double forward_s = median_seconds([&] {
    NoGradGuard no_grad;
    forward();
  });
  const double total_s = median_seconds([&] {
    forward().backward(grad);
    for (Tensor& leaf : leaves) leaf.zero_grad();
  });
  return {forward_s, total_s - forward_s};
}

}  // namespace

nlohmann::json memory_bound_ops(int64_t batch, const Progress& progress) {
  if (batch <= 0) batch = 16;  // the study's batch
  manual_seed(0);
  // wbc.conv1's and wbc.conv2's outputs (before pooling), then res1's.
  const std::vector<Shape> shapes{
      {batch, 64, 256, 256}, {batch, 64, 128, 128}, {batch, 64, 64, 64}};
  const char* op_names[] = {"batch_norm", "batch_norm_relu", "relu", "add", "max_pool2d"};
  const int count = 1 + static_cast<int>(shapes.size()) * 5;
  int index = 0;
  progress("memory_bound_ops", ++index, count, "copy 256 MiB");
  const double bandwidth = copy_gbps(int64_t{256} << 20);
  nlohmann::json ops = nlohmann::json::array();
  for (const Shape& shape : shapes) {
    const int64_t c = shape[1];
    const double bytes = 4.0 * shape_numel(shape);
    const Tensor x = randn(shape).set_requires_grad(true), y = randn(shape).set_requires_grad(true);
    const Tensor grad = randn(shape);
    const Tensor weight = ones({c}).set_requires_grad(true),
                 bias = zeros({c}).set_requires_grad(true);
    const Tensor running_mean = zeros({c}), running_var = ones({c});
    const Tensor pooled_grad = randn({shape[0], c, shape[2] / 2, shape[3] / 2});
    const std::function<Measured()> measure[] = {
        [&] {
          return time_op(
              [&] { return batch_norm(x, weight, bias, running_mean, running_var, true); }, grad,
              {x, weight, bias});
        },
        [&] {
          return time_op(
              [&] { return batch_norm_relu(x, weight, bias, running_mean, running_var, true); },
              grad, {x, weight, bias});
        },
        [&] { return time_op([&] { return relu(x); }, grad, {x}); },
        [&] {
          return time_op([&] { return x + y; }, grad, {x, y});
        },
        [&] { return time_op([&] { return max_pool2d(x, 2, 2); }, pooled_grad, {x}); },
    };
    // The least bytes each pass moves, in units of the input's size (forward, backward).
    const double forward_bytes[] = {2, 2, 2, 3, 1.25}, backward_bytes[] = {3, 3, 3, 3, 1.25};
    for (int op = 0; op < 5; ++op) {
      progress("memory_bound_ops", ++index, count,
               std::string(op_names[op]) + " " + to_string(shape));
      const Measured m = measure[op]();
      const double forward_gbps = forward_bytes[op] * bytes / m.forward_s / 1e9;
      const double backward_gbps = backward_bytes[op] * bytes / m.backward_s / 1e9;
      ops.push_back({{"op", op_names[op]},
                     {"input", shape},
                     {"forward_gbps", forward_gbps},
                     {"backward_gbps", backward_gbps},
                     {"forward_fraction_of_copy", forward_gbps / bandwidth},
                     {"backward_fraction_of_copy", backward_gbps / bandwidth}});
    }
  }
  return {{"threads", omp_get_max_threads()}, {"copy_gbps", bandwidth}, {"ops", ops}};
}

}  // namespace leuko::bench
