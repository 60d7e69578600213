// The benchmarks behind `leuko bench` (experiments/cli/bench_command.cpp), one per file of
// bench/. Each measures its ceiling or its peer in the same run (the machine is shared and its
// speed drifts, so only side-by-side ratios are fair), tells `progress` before every
// measurement, and returns its results as JSON.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "engine/distributed/communicator.h"
#include "engine/nn/module.h"
#include "engine/storage.h"
#include "engine/tensor.h"

namespace leuko::bench {

// Told before each measurement: the benchmark, the measurement's 1-based index of `count`,
// and what it measures.
using Progress =
    std::function<void(const char* benchmark, int index, int count, const std::string& what)>;

// Which conv layers (layer_shapes.h) to measure, and at which batch (0: each layer's own).
struct LayerSelection {
  std::string prefix;  // names starting with this ("r18." for ResNet-18's); "" for all
  int64_t batch = 0;
};

// ceilings.cpp: sgemm at each selected layer's product and at 2048^3, and the copy bandwidth.
nlohmann::json ceilings(const LayerSelection& layers, const Progress& progress);

// conv2d.cpp: forward and backward of each selected conv layer, in GFLOP/s and as a fraction
// of the sgemm ceiling at the layer's own product.
nlohmann::json conv2d_layers(const LayerSelection& layers, const Progress& progress);

// memory_bound_ops.cpp: batch norm, ReLU, max pooling and add at the WBC net's activation
// sizes (`batch` images, 0: 16), in GB/s and as a fraction of the copy bandwidth.
nlohmann::json memory_bound_ops(int64_t batch, const Progress& progress);

// train_step.cpp: whole training steps (forward, loss, backward, Adam) on random images.
struct TrainStepCase {
  std::string model;  // the name reported
  nn::Module* net = nullptr;
  std::function<Tensor(const Tensor&)> forward;
  int64_t height = 0, width = 0;
  int64_t classes = 0;  // 0: a reconstruction, trained on MSE against its input
  int64_t batch = 16, steps = 5;
  Device device = Device::cpu;
};
nlohmann::json train_step(const TrainStepCase& c, const Progress& progress);

// data_parallel.cpp: c's training step on this rank of `ranks` (c.batch images each, CPU),
// without communication, with the gradient all-reduce after backward, and overlapped with
// backward (buckets of `bucket_bytes`), timed side by side.
nlohmann::json data_parallel_step(const TrainStepCase& c, distributed::Communicator& ranks,
                                  int64_t bucket_bytes, const Progress& progress);

// gpu_kernels.cpp: the project's conv and GEMM kernels against cuDNN and cuBLAS on the GPU
// (Device::cuda). Throws leuko::Error when there is none.
nlohmann::json gpu_kernels(const Progress& progress);

// data_pipeline.cpp: decode + resize images/s on one thread, and the loader's stall while it
// feeds WBC-net training on WBC-10 of `root`/pbc/train.
nlohmann::json data_pipeline(const std::filesystem::path& root, int images, int steps,
                             const Progress& progress);

}  // namespace leuko::bench
