// Throughput of the memory-bound ops at the WBC net's activation sizes: batch norm
// (training), fused batch norm + ReLU, ReLU, 2x2 max pooling and the residual add, forward and
// backward, in GB/s and as a fraction of the copy bandwidth measured in the same run. Bytes counted
// are the least each pass must move (every input read once, every output written once), so a
// fraction near 1 means the op is as fast as a copy of the same data.
//
//   bench_memory_bound_ops [--json PATH]
#include <functional>
#include <string>

#include "bench/ceilings.h"
#include "engine/autograd.h"
#include "engine/ops.h"
#include "engine/random.h"

using namespace leuko;

namespace {

struct Measured {
  double forward_s, backward_s;
};

// Times forward alone, then forward + backward (the backward is the difference).
Measured time_op(const std::function<Tensor()>& forward, const Tensor& grad,
                 std::vector<Tensor> leaves) {
  const double forward_s = bench::median_seconds([&] {
    NoGradGuard no_grad;
    forward();
  });
  const double total_s = bench::median_seconds([&] {
    forward().backward(grad);
    for (Tensor& leaf : leaves) leaf.zero_grad();
  });
  return {forward_s, total_s - forward_s};
}

}  // namespace

int main(int argc, char** argv) {
  const std::string json_path = argc > 2 && std::string(argv[1]) == "--json" ? argv[2] : "";
  manual_seed(0);
  const double bandwidth = bench::copy_gbps(int64_t{256} << 20);
  nlohmann::json ops = nlohmann::json::array();
  const auto report = [&](const char* op, const Shape& shape, const Measured& m,
                          double forward_bytes, double backward_bytes) {
    ops.push_back({{"op", op},
                   {"input", shape},
                   {"forward_gbps", forward_bytes / m.forward_s / 1e9},
                   {"backward_gbps", backward_bytes / m.backward_s / 1e9},
                   {"forward_fraction_of_copy", forward_bytes / m.forward_s / 1e9 / bandwidth},
                   {"backward_fraction_of_copy", backward_bytes / m.backward_s / 1e9 / bandwidth}});
  };
  // wbc.conv1's and wbc.conv2's outputs (before pooling), then res1's.
  for (const Shape& shape :
       {Shape{16, 64, 256, 256}, Shape{16, 64, 128, 128}, Shape{16, 64, 64, 64}}) {
    const int64_t c = shape[1];
    const double bytes = 4.0 * shape_numel(shape);
    const Tensor x = randn(shape).set_requires_grad(true), y = randn(shape).set_requires_grad(true);
    const Tensor grad = randn(shape);
    const Tensor weight = ones({c}).set_requires_grad(true),
                 bias = zeros({c}).set_requires_grad(true);
    const Tensor running_mean = zeros({c}), running_var = ones({c});
    report("batch_norm", shape,
           time_op([&] { return batch_norm(x, weight, bias, running_mean, running_var, true); },
                   grad, {x, weight, bias}),
           2 * bytes, 3 * bytes);
    report(
        "batch_norm_relu", shape,
        time_op([&] { return batch_norm_relu(x, weight, bias, running_mean, running_var, true); },
                grad, {x, weight, bias}),
        2 * bytes, 3 * bytes);
    report("relu", shape, time_op([&] { return relu(x); }, grad, {x}), 2 * bytes, 3 * bytes);
    report("add", shape, time_op([&] { return x + y; }, grad, {x, y}), 3 * bytes, 3 * bytes);
    const Tensor pooled_grad = randn({shape[0], c, shape[2] / 2, shape[3] / 2});
    report("max_pool2d", shape, time_op([&] { return max_pool2d(x, 2, 2); }, pooled_grad, {x}),
           1.25 * bytes, 1.25 * bytes);
  }
  bench::emit({{"threads", omp_get_max_threads()}, {"copy_gbps", bandwidth}, {"ops", ops}},
              json_path);
}
