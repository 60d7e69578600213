// `leuko bench ops|train|vs-pytorch|gpu|data`: the benchmarks of bench/ behind one command,
// each with a progress line on stderr, a table on stdout and, on request, its JSON. Every
// figure is a ratio against a ceiling or a peer measured in the same run.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <omp.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench/benchmarks.h"
#include "engine/data/data_root.h"
#include "engine/distributed/communicator.h"
#include "engine/error.h"
#include "engine/format.h"
#include "engine/io/safetensors.h"
#include "experiments/cli/commands.h"
#include "experiments/cli/device.h"
#include "experiments/cli/model_options.h"
#include "experiments/cli/option_checks.h"
#include "experiments/training/model_zoo.h"

extern char** environ;

namespace leuko::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The networks with a PyTorch twin in scripts/bench_pytorch.py, at the batch (and head) each
// is benchmarked with: its study's batch, ImageNet's 1000 classes for ResNet-18.
struct TrainDefaults {
  int64_t batch, classes;
};
const std::map<std::string, TrainDefaults>& twin_networks() {
  static const std::map<std::string, TrainDefaults> networks{{"wbc_net", {16, 5}},
                                                             {"prcc_autoencoder", {8, 0}},
                                                             {"resnet18", {32, 1000}},
                                                             {"kandel_cnn", {32, 4}}};
  return networks;
}

// The progress line: redrawn in place on a terminal, one log line a measurement otherwise.
class ProgressLine {
 public:
  ProgressLine() : terminal_(isatty(STDERR_FILENO) != 0) {}
  bench::Progress callback() const {
    return [terminal = terminal_](const char* benchmark, int index, int count,
                                  const std::string& what) {
      std::fprintf(stderr, "%sbench %s [%d/%d] %s%s", terminal ? "\r\033[K" : "", benchmark, index,
                   count, what.c_str(), terminal ? "" : "\n");
      std::fflush(stderr);
    };
  }
  ~ProgressLine() {
    if (terminal_) std::fprintf(stderr, "\r\033[K");
  }

 private:
  bool terminal_;
};

void write_json(const std::string& path, const json& result) {
  if (!path.empty()) write_file_atomically(path, result.dump(2) + "\n");
}

// ---- ops ------------------------------------------------------------------------------------

struct OpsOptions {
  std::vector<std::string> only{"ceilings", "conv2d", "memory"};
  std::string layers, json;
  int64_t batch = 0;
};

void print_conv2d(const json& result) {
  std::printf("\n%-18s %-22s %9s %9s %9s %9s %8s\n", "conv2d layer", "input", "forward", "backward",
              "fwd+bwd", "ceiling", "fraction");
  for (const json& row : result["conv2d"]) {
    const std::vector<int64_t> input = row["input"];
    const std::string shape =
        cat(input[1], "->", row["out_channels"].get<int64_t>(), " ", row["kernel"].get<int64_t>(),
            "x", row["kernel"].get<int64_t>(), "/", row["stride"].get<int64_t>(), " @", input[2],
            " x", input[0]);
    std::printf("%-18s %-22s %9s %9s %9s %9s %8s\n", row["layer"].get<std::string>().c_str(),
                shape.c_str(), fixed(row["forward_gflops"].get<double>(), 0).c_str(),
                fixed(row["backward_gflops"].get<double>(), 0).c_str(),
                fixed(row["forward_backward_gflops"].get<double>(), 0).c_str(),
                fixed(row["sgemm_ceiling_gflops"].get<double>(), 0).c_str(),
                fixed(row["fraction_of_ceiling"].get<double>(), 2).c_str());
  }
  std::printf(
      "GFLOP/s of the GEMM work (2 N O K P a pass); ceiling: sgemm at the layer's product\n");
}

void print_memory_bound_ops(const json& result) {
  std::printf("\n%-16s %-20s %10s %10s %9s %9s\n", "op", "input", "fwd GB/s", "bwd GB/s",
              "fwd/copy", "bwd/copy");
  for (const json& row : result["ops"]) {
    std::printf("%-16s %-20s %10s %10s %9s %9s\n", row["op"].get<std::string>().c_str(),
                to_string(row["input"].get<Shape>()).c_str(),
                fixed(row["forward_gbps"].get<double>(), 1).c_str(),
                fixed(row["backward_gbps"].get<double>(), 1).c_str(),
                fixed(row["forward_fraction_of_copy"].get<double>(), 2).c_str(),
                fixed(row["backward_fraction_of_copy"].get<double>(), 2).c_str());
  }
  std::printf("copy bandwidth in this run: %s GB/s (bytes read + written)\n",
              fixed(result["copy_gbps"].get<double>(), 1).c_str());
}

void run_ops(const OpsOptions& o) {
  const ProgressLine progress;
  const bench::LayerSelection layers{o.layers, o.batch};
  const auto wanted = [&](const std::string& name) {
    return std::find(o.only.begin(), o.only.end(), name) != o.only.end();
  };
  json result;
  if (wanted("ceilings")) result["ceilings"] = bench::ceilings(layers, progress.callback());
  if (wanted("conv2d")) result["conv2d"] = bench::conv2d_layers(layers, progress.callback());
  if (wanted("memory"))
    result["memory_bound_ops"] = bench::memory_bound_ops(o.batch, progress.callback());
  if (result.contains("ceilings")) {
    const json& c = result["ceilings"];
    std::printf("ceilings (%d threads): sgemm 2048^3 %s GFLOP/s, copy %s GB/s\n",
                c["threads"].get<int>(),
                fixed(c["sgemm_square_2048_gflops"].get<double>(), 0).c_str(),
                fixed(c["copy_256mib_gbps"].get<double>(), 1).c_str());
    for (const json& s : c["sgemm_conv_shapes"])
      std::printf("  sgemm at %-18s [%lld x %lld] x [%lld x %lld] x %lld: %s GFLOP/s\n",
                  s["layer"].get<std::string>().c_str(), (long long)s["m"].get<int64_t>(),
                  (long long)s["k"].get<int64_t>(), (long long)s["k"].get<int64_t>(),
                  (long long)s["n"].get<int64_t>(), (long long)s["images"].get<int64_t>(),
                  fixed(s["gflops"].get<double>(), 0).c_str());
  }
  if (result.contains("conv2d")) print_conv2d(result["conv2d"]);
  if (result.contains("memory_bound_ops")) print_memory_bound_ops(result["memory_bound_ops"]);
  write_json(o.json, result);
}

// ---- train and vs-pytorch -------------------------------------------------------------------

struct TrainOptions {
  std::vector<std::string> models;
  std::string device = "cpu", json, python = "/usr/bin/python3";
  int64_t batch = 0, steps = 5;  // batch 0: each network's own (twin_networks)
};

// One network of the catalog at its input size, and the case that times its training steps.
struct TimedNetwork {
  BuiltModel built;
  bench::TrainStepCase step;
};

TimedNetwork timed_network(const std::string& model, int64_t batch, int64_t steps, Device device) {
  const ModelInfo& info = find_model(model);
  const auto known = twin_networks().find(model);
  const TrainDefaults defaults =
      known != twin_networks().end() ? known->second : TrainDefaults{16, 5};
  TimedNetwork n{build_model_to_inspect(info, info.height, defaults.classes), {}};
  const bool classify = info.task == Task::classification;
  n.step = {.model = model,
            .net = n.built.module.get(),
            .forward = n.built.forward,
            .height = info.height,
            .width = info.width,
            .classes = classify ? std::max<int64_t>(defaults.classes, 2) : 0,
            .batch = batch > 0 ? batch : defaults.batch,
            .steps = steps,
            .device = device};
  return n;
}

// One network's training steps in leuko.
json measure_leuko(const std::string& model, const TrainOptions& o, Device device,
                   const bench::Progress& progress) {
  const TimedNetwork n = timed_network(model, o.batch, o.steps, device);
  return bench::train_step(n.step, progress);
}

void print_train(const json& rows) {
  std::printf("%-18s %-9s %6s %10s %10s %12s\n", "network", "device", "batch", "images/s",
              "step ms", "peak MiB");
  for (const json& r : rows) {
    std::printf("%-18s %-9s %6lld %10s %10s %12s\n", r["model"].get<std::string>().c_str(),
                r["device"].get<std::string>().c_str(), (long long)r["batch"].get<int64_t>(),
                fixed(r["images_per_s"].get<double>(), 2).c_str(),
                fixed(1e3 * r["step_s"].get<double>(), 1).c_str(),
                fixed(r["peak_rss_mib"].get<double>(), 0).c_str());
  }
}

void run_train(const TrainOptions& o) {
  const Device device = select_device(o.device);
  const ProgressLine progress;
  json rows = json::array();
  for (const std::string& model : o.models)
    rows.push_back(measure_leuko(model, o, device, progress.callback()));
  print_train(rows);
  write_json(o.json, {{"results", rows}});
}

// ---- data-parallel ---------------------------------------------------------------------------

struct DataParallelOptions {
  std::vector<std::string> models{"wbc_net"};
  int64_t batch = 8, steps = 5, bucket_kib = 1024;
  std::string json;
};

// Under mpirun every rank times its steps; rank 0 prints and writes the JSON.
void run_data_parallel(const DataParallelOptions& o) {
  distributed::Communicator& ranks = distributed::world();
  const ProgressLine progress;
  const bench::Progress quiet = [](const char*, int, int, const std::string&) {};
  json rows = json::array();
  for (const std::string& model : o.models) {
    const TimedNetwork n = timed_network(model, o.batch, o.steps, Device::cpu);
    rows.push_back(bench::data_parallel_step(n.step, ranks, o.bucket_kib * 1024,
                                             ranks.is_root() ? progress.callback() : quiet));
  }
  if (!ranks.is_root()) return;
  std::printf("%-18s %5s %6s %6s %8s %10s %10s %10s %10s %10s\n", "network", "ranks", "batch", "MB",
              "buckets", "local ms", "slowest", "after ms", "overlap ms", "images/s");
  for (const json& r : rows)
    std::printf("%-18s %5d %6lld %6s %4lld/%-3lld %10s %10s %10s %10s %10s\n",
                r["model"].get<std::string>().c_str(), r["ranks"].get<int>(),
                (long long)r["batch_per_rank"].get<int64_t>(),
                fixed(r["gradient_bytes"].get<double>() / 1e6, 1).c_str(),
                (long long)r["buckets_started_during_backward"].get<int64_t>(),
                (long long)r["buckets"].get<int64_t>(),
                fixed(1e3 * r["local_step_s"].get<double>(), 1).c_str(),
                fixed(1e3 * r["slowest_rank_local_step_s"].get<double>(), 1).c_str(),
                fixed(1e3 * r["after_backward_step_s"].get<double>(), 1).c_str(),
                fixed(1e3 * r["overlapped_step_s"].get<double>(), 1).c_str(),
                fixed(r["images_per_s"].get<double>(), 2).c_str());
  write_json(o.json, {{"results", rows}});
}

// Runs `argv` (no shell) with its stdout discarded; its exit status (127: it could not start).
int run_program(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_addopen(&files, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int error = posix_spawnp(&pid, args[0], &files, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&files);
  if (error != 0) return 127;
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void run_vs_pytorch(const TrainOptions& o) {
  if (run_program({o.python, "-c", "import torch"}) != 0) {
    throw Error(cat("bench vs-pytorch: '", o.python,
                    " -c \"import torch\"' failed: PyTorch for Python 3 is needed; install "
                    "Debian's python3-torch (scripts/setup.sh --dev, or sudo apt-get install "
                    "python3-torch)"));
  }
  const fs::path script = fs::path(LEUKO_SOURCE_DIR) / "scripts" / "bench_pytorch.py";
  LEUKO_CHECK(fs::exists(script), "bench vs-pytorch: ", script.string(),
              " is missing (the PyTorch twins of the networks; run from the source tree)");
  const char* threads = std::getenv("OMP_NUM_THREADS");
  const std::string thread_count = threads ? threads : std::to_string(omp_get_max_threads());
  const fs::path scratch = fs::temp_directory_path() / cat("leuko-bench-", getpid(), ".json");
  const ProgressLine progress;
  json rows = json::array();
  for (const std::string& model : o.models) {
    const json ours = measure_leuko(model, o, Device::cpu, progress.callback());
    progress.callback()("pytorch", 1, 1, model + " in PyTorch (scripts/bench_pytorch.py)");
    const int status = run_program({o.python, script.string(), model, "--batch",
                                    std::to_string(ours["batch"].get<int64_t>()), "--steps",
                                    std::to_string(o.steps), "--threads", thread_count, "--json",
                                    scratch.string()});
    LEUKO_CHECK(status == 0, "bench vs-pytorch: ", script.string(), " ", model,
                " failed (exit status ", status, ")");
    const json theirs = json::parse(std::ifstream(scratch));
    fs::remove(scratch);
    rows.push_back({{"model", model},
                    {"batch", ours["batch"]},
                    {"input", ours["input"]},
                    {"threads", ours["threads"]},
                    {"leuko", ours},
                    {"pytorch", theirs},
                    {"throughput_ratio",
                     ours["images_per_s"].get<double>() / theirs["images_per_s"].get<double>()},
                    {"cpu_time_ratio", theirs["cpu_s_per_image"].get<double>() /
                                           ours["cpu_s_per_image"].get<double>()},
                    {"peak_rss_ratio",
                     ours["peak_rss_mib"].get<double>() / theirs["peak_rss_mib"].get<double>()}});
  }
  std::printf("%-18s %5s %12s %12s %6s %9s %10s %10s %9s\n", "network", "batch", "leuko img/s",
              "torch img/s", "ratio", "cpu ratio", "leuko MiB", "torch MiB", "mem ratio");
  for (const json& r : rows) {
    std::printf("%-18s %5lld %12s %12s %6s %9s %10s %10s %9s\n",
                r["model"].get<std::string>().c_str(), (long long)r["batch"].get<int64_t>(),
                fixed(r["leuko"]["images_per_s"].get<double>(), 2).c_str(),
                fixed(r["pytorch"]["images_per_s"].get<double>(), 2).c_str(),
                fixed(r["throughput_ratio"].get<double>(), 2).c_str(),
                fixed(r["cpu_time_ratio"].get<double>(), 2).c_str(),
                fixed(r["leuko"]["peak_rss_mib"].get<double>(), 0).c_str(),
                fixed(r["pytorch"]["peak_rss_mib"].get<double>(), 0).c_str(),
                fixed(r["peak_rss_ratio"].get<double>(), 2).c_str());
  }
  std::printf(
      "ratio > 1: leuko is faster (cpu ratio: from CPU seconds per image, which stays\n"
      "fair when other work shares the machine); mem ratio < 1: leuko needs less\n");
  json environment;
  for (const char* name :
       {"OMP_NUM_THREADS", "OMP_WAIT_POLICY", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"}) {
    const char* value = std::getenv(name);
    environment[name] = value ? json(value) : json(nullptr);
  }
  for (json& r : rows) r["environment"] = environment;
  write_json(o.json, {{"results", rows}});
}

// ---- gpu and data ---------------------------------------------------------------------------

void run_gpu(const std::string& json_path) {
  const ProgressLine progress;
  const json report = bench::gpu_kernels(progress.callback());
  std::printf("%s\n%-28s %12s %12s %8s %10s\n", report["device"].get<std::string>().c_str(),
              "conv2d", "cuDNN ms", "ours ms", "ours/cuDNN", "max diff");
  for (const json& c : report["conv2d"]) {
    std::printf("%-28s %12s %12s %8s %10.1e\n", c["shape"].get<std::string>().c_str(),
                fixed(c["cudnn"]["forward_ms"].get<double>(), 3).c_str(),
                fixed(c["implicit_gemm"]["forward_ms"].get<double>(), 3).c_str(),
                fixed(c["implicit_gemm_vs_cudnn_forward_ms_ratio"].get<double>(), 2).c_str(),
                c["max_relative_difference"].get<double>());
  }
  std::printf("%-28s %12s %12s %8s %10s\n", "matmul", "cuBLAS ms", "ours ms", "ours/cuBLAS",
              "max diff");
  for (const json& g : report["matmul"]) {
    std::printf(
        "%-28s %12s %12s %8s %10.1e\n",
        cat(g["m"].get<int64_t>(), " x ", g["k"].get<int64_t>(), " x ", g["n"].get<int64_t>())
            .c_str(),
        fixed(g["cublas"]["ms"].get<double>(), 3).c_str(),
        fixed(g["tiled"]["ms"].get<double>(), 3).c_str(),
        fixed(g["tiled_vs_cublas_ms_ratio"].get<double>(), 2).c_str(),
        g["max_relative_difference"].get<double>());
  }
  write_json(json_path, report);
}

struct DataOptions {
  std::string data, json;
  int images = 200, steps = 6;
};

void run_data(const DataOptions& o) {
  const fs::path root = data::resolve_data_root(o.data);
  LEUKO_CHECK(!root.empty(),
              "bench data: no data root: give --data DIR or set LEUKO_DATA (a "
              "folder holding pbc/train)");
  const ProgressLine progress;
  const json r = bench::data_pipeline(root, o.images, o.steps, progress.callback());
  std::printf(
      "decode + resize to 256x256, one thread: %s images/s (%d images)\n"
      "loader stall while training the WBC net on WBC-10: first epoch %s%%, later "
      "epochs %s%% (target under 2%%)\n",
      fixed(r["decode_resize_images_per_s_one_thread"].get<double>(), 1).c_str(),
      r["decode_resize_images"].get<int>(),
      fixed(100 * r["first_epoch_stall_fraction"].get<double>(), 1).c_str(),
      fixed(100 * r["later_epoch_stall_fraction"].get<double>(), 1).c_str());
  write_json(o.json, r);
}

std::vector<std::string> twin_names() {
  std::vector<std::string> names;
  for (const auto& [name, defaults] : twin_networks()) names.push_back(name);
  return names;
}

void add_train_options(CLI::App* cmd, TrainOptions& o, bool any_network) {
  o.models = {"wbc_net", "prcc_autoencoder", "kandel_cnn", "resnet18"};
  CLI::Option* model = cmd->add_option(
      "--model", o.models,
      "networks to time (repeat the flag; default: wbc_net prcc_autoencoder kandel_cnn resnet18)");
  if (any_network)
    model->check(accepted_by([](const std::string& name) { find_model(name); }, "NAME"));
  else
    model->check(CLI::IsMember(twin_names()));
  cmd->add_option("--batch", o.batch, "images per step (default: each network's study batch)")
      ->check(in_range(1, 256));
  cmd->add_option("--steps", o.steps, "timed steps (the median is kept; 2 warm-up steps first)")
      ->check(in_range(1, 100));
  cmd->add_option("--json", o.json, "also write the results as JSON to this file");
}

}  // namespace

void add_bench_command(CLI::App& app) {
  CLI::App* bench = app.add_subcommand(
      "bench", "Benchmarks: kernels against their ceilings, training against PyTorch, the GPU");
  bench->require_subcommand(1);
  bench->footer(
      "Every figure is a ratio against a ceiling or a peer measured in the same run.\n"
      "Examples:\n"
      "  leuko bench ops --layers wbc.      conv layers and memory-bound ops vs sgemm and copy\n"
      "  leuko bench train --model wbc_net  training images/s and peak memory\n"
      "  mpirun -n 2 leuko bench data-parallel   a step over 2 ranks, with and without overlap\n"
      "  leuko bench vs-pytorch             the same four networks in leuko and in PyTorch\n"
      "  leuko bench gpu                    our CUDA conv and GEMM vs cuDNN and cuBLAS\n"
      "  leuko bench data --data ../shared/data   decoding and the loader's stall");

  auto ops = std::make_shared<OpsOptions>();
  CLI::App* ops_cmd = bench->add_subcommand(
      "ops", "conv2d per layer vs the sgemm ceiling, memory-bound ops vs the copy bandwidth");
  ops_cmd->footer(
      "Examples:\n"
      "  leuko bench ops --json ops.json\n"
      "  leuko bench ops --only conv2d --layers r18.   ResNet-18's conv layers only");
  ops_cmd->add_option("--only", ops->only, "which parts: ceilings, conv2d, memory (default all)")
      ->delimiter(',')
      ->check(CLI::IsMember({"ceilings", "conv2d", "memory"}));
  ops_cmd->add_option("--layers", ops->layers,
                      "conv layers whose names start with this (wbc., ae., r18.)");
  ops_cmd->add_option("--batch", ops->batch, "images per layer (default: each layer's own)")
      ->check(in_range(1, 256));
  ops_cmd->add_option("--json", ops->json, "also write the results as JSON to this file");
  ops_cmd->callback([ops] { run_ops(*ops); });

  auto train = std::make_shared<TrainOptions>();
  CLI::App* train_cmd =
      bench->add_subcommand("train", "Training throughput (images/s) and peak memory per network");
  train_cmd->footer(
      "Examples:\n"
      "  leuko bench train\n"
      "  leuko bench train --model wbc_net --device cuda --steps 10 --json wbc.json");
  add_train_options(train_cmd, *train, true);
  train_cmd->add_option("--device", train->device, "cpu | cuda | cuda-emu");
  train_cmd->callback([train] { run_train(*train); });

  auto parallel = std::make_shared<DataParallelOptions>();
  CLI::App* parallel_cmd = bench->add_subcommand(
      "data-parallel",
      "A training step over the mpirun ranks: alone, all-reduce after backward, overlapped");
  parallel_cmd->footer(
      "Run it under mpirun (alone it times one rank). bench/scaling.sh runs 1 and 2 ranks.\n"
      "Examples:\n"
      "  OMP_NUM_THREADS=1 mpirun -n 2 leuko bench data-parallel --model wbc_net --batch 8\n"
      "  leuko bench data-parallel --model resnet18 --batch 4 --bucket-kib 4096 --json r18.json");
  parallel_cmd
      ->add_option("--model", parallel->models, "networks to time (repeat the flag; wbc_net)")
      ->check(accepted_by([](const std::string& name) { find_model(name); }, "NAME"));
  parallel_cmd->add_option("--batch", parallel->batch, "images per rank and step (8)")
      ->check(in_range(1, 256));
  parallel_cmd->add_option("--steps", parallel->steps, "timed rounds (median; 2 warm-up first)")
      ->check(in_range(1, 100));
  parallel_cmd->add_option("--bucket-kib", parallel->bucket_kib, "all-reduce bucket size (1024)")
      ->check(in_range(1, 1 << 20));
  parallel_cmd->add_option("--json", parallel->json, "also write the results as JSON (rank 0)");
  parallel_cmd->callback([parallel] { run_data_parallel(*parallel); });

  auto versus = std::make_shared<TrainOptions>();
  CLI::App* versus_cmd = bench->add_subcommand(
      "vs-pytorch", "Training throughput against the same network in PyTorch, back to back");
  versus_cmd->footer(
      "Needs Debian's python3-torch (scripts/setup.sh --dev). Both frameworks run under the\n"
      "same OMP_NUM_THREADS and OpenBLAS settings; unset OPENBLAS_CORETYPE for AVX-512 sgemm.\n"
      "Examples:\n"
      "  leuko bench vs-pytorch --json bench/results/vs_pytorch.json\n"
      "  leuko bench vs-pytorch --model wbc_net --model resnet18");
  add_train_options(versus_cmd, *versus, false);
  versus_cmd->add_option("--python", versus->python, "the Python with PyTorch (/usr/bin/python3)");
  versus_cmd->callback([versus] { run_vs_pytorch(*versus); });

  auto gpu_json = std::make_shared<std::string>();
  CLI::App* gpu_cmd =
      bench->add_subcommand("gpu", "The project's CUDA conv and GEMM kernels vs cuDNN and cuBLAS");
  gpu_cmd->footer("Needs a CUDA device.\nExamples:\n  leuko bench gpu --json gpu.json");
  gpu_cmd->add_option("--json", *gpu_json, "also write the results as JSON to this file");
  gpu_cmd->callback([gpu_json] { run_gpu(*gpu_json); });

  auto data = std::make_shared<DataOptions>();
  CLI::App* data_cmd = bench->add_subcommand(
      "data", "Decode + resize images/s and the loader's stall while it feeds training");
  data_cmd->footer("Examples:\n  leuko bench data --data ../shared/data");
  data_cmd->add_option("--data", data->data, "data root holding pbc/train (default: LEUKO_DATA)");
  data_cmd->add_option("--images", data->images, "images to decode")->check(in_range(1, 100000));
  data_cmd->add_option("--steps", data->steps, "training steps per epoch timed")
      ->check(in_range(1, 1000));
  data_cmd->add_option("--json", data->json, "also write the results as JSON to this file");
  data_cmd->callback([data] { run_data(*data); });
}

}  // namespace leuko::cli
