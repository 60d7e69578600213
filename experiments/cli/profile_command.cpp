// `leuko profile`: one training step of a network broken down per op, forward and backward
// apart (engine/op_profile.h): time, share of the step, GFLOP/s or GB/s, and how close that
// comes to this machine's ceiling, measured first (sgemm for ops that multiply matrices,
// a large copy for the rest, which are bound by memory).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "engine/error.h"
#include "engine/format.h"
#include "engine/io/safetensors.h"
#include "engine/op_profile.h"
#include "engine/ops.h"
#include "engine/optim/adam.h"
#include "engine/random.h"
#include "experiments/cli/commands.h"
#include "experiments/cli/device.h"
#include "experiments/cli/model_options.h"
#include "experiments/cli/option_checks.h"
#include "experiments/training/model_zoo.h"
#include "kernels/cpu/matmul.h"

namespace leuko::cli {
namespace {

struct ProfileOptions {
  std::string model, size, device = "cpu", json, trace;
  // Three warm-up steps: the first ones fill the host allocator's caches and fault fresh
  // pages in (a ResNet-18 step's max-pool backward took 31 ms in step 2, 1 ms from step 3).
  int64_t batch = 16, steps = 4;
};

// The best of three runs of `work`, in seconds.
template <typename Work>
double best_seconds(Work work) {
  double best = 1e30;
  for (int i = 0; i < 3; ++i) {
    const auto start = std::chrono::steady_clock::now();
    work();
    best = std::min(
        best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return best;
}

struct Ceilings {
  double sgemm_gflops, copy_gbs;
};

// This machine's CPU now: a 1024^3 sgemm (OpenBLAS, every thread) and a 256 MiB copy.
Ceilings measure_cpu_ceilings() {
  const int64_t n = 1024;
  std::vector<float> a(n * n, 1.0f), b(n * n, 1.0f), c(n * n);
  const double gemm = best_seconds(
      [&] { cpu::gemm(false, false, n, n, n, 1.0f, a.data(), n, b.data(), n, 0.0f, c.data(), n); });
  const size_t floats = 64 << 20;
  std::vector<float> from(floats, 1.0f), to(floats);
  const double copy =
      best_seconds([&] { std::memcpy(to.data(), from.data(), floats * sizeof(float)); });
  return {2.0 * n * n * n / gemm / 1e9, 2.0 * floats * sizeof(float) / copy / 1e9};
}

struct Row {
  std::string op, pass;  // pass: forward, backward or "-"
  int calls = 0;
  double seconds = 0;
  int64_t flops = 0, bytes = 0;
};

void run_profile(const ProfileOptions& o) {
  const ModelInfo& info = find_model(o.model);
  const auto [height, width] = checked_input_size(info, o.size);
  const Device device = select_device(o.device);
  const bool classify = info.task == Task::classification;
  const BuiltModel built = build_model_to_inspect(info, height, 5);
  built.module->to(device);
  built.module->train();
  optim::Adam adam(built.module->trainable_parameters());

  const Tensor images = rand({o.batch, 3, height, width}).to(device);
  std::vector<int64_t> label_values(o.batch);
  for (int64_t i = 0; i < o.batch; ++i)
    label_values[i] = i % 2;  // every head has 2 classes or more
  const Tensor labels = from_vector_i64(label_values, {o.batch}).to(device);
  const auto step = [&] {
    const Tensor out = built.forward(images);
    const Tensor loss = classify ? cross_entropy(out, labels) : mse_loss(out, images);
    loss.backward();
  };

  std::cerr << "profile: " << o.model << " on " << to_string(device) << ", batch " << o.batch
            << " at " << height << "x" << width << ": measuring this machine's ceilings, then "
            << o.steps - 1 << " warm-up step(s) and one profiled step\n";
  const Ceilings ceilings = measure_cpu_ceilings();
  for (int64_t i = 0; i + 1 < o.steps; ++i) {
    step();
    adam.step();
    adam.zero_grad();
  }

  ProfileOps profile(device);
  const double begin = profile.mark();
  step();
  const double backward_done = profile.now();
  adam.step();
  const double end = profile.now();
  adam.zero_grad();
  const double step_seconds = end - begin;

  std::map<std::pair<std::string, bool>, Row> by_op;
  double in_ops = 0;
  for (const ProfileOps::Event& e : profile.events()) {
    Row& row = by_op[{e.op, e.backward}];
    row.op = e.op;
    row.pass = e.backward ? "backward" : "forward";
    ++row.calls;
    row.seconds += e.seconds;
    row.flops += e.flops;
    row.bytes += e.bytes;
    in_ops += e.seconds;
  }
  std::vector<Row> rows;
  for (const auto& [key, row] : by_op) rows.push_back(row);
  std::sort(rows.begin(), rows.end(),
            [](const Row& a, const Row& b) { return a.seconds > b.seconds; });
  rows.push_back({"optimizer step (adam)", "-", 1, end - backward_done, 0, 0});
  rows.push_back(
      {"other (between ops)", "-", 0, step_seconds - in_ops - (end - backward_done), 0, 0});

  const bool on_cpu = device == Device::cpu;
  nlohmann::json report{{"model", o.model},
                        {"device", to_string(device)},
                        {"batch", o.batch},
                        {"input", {3, height, width}},
                        {"step_seconds", step_seconds},
                        {"ceilings",
                         {{"sgemm_gflops", ceilings.sgemm_gflops},
                          {"copy_gbs", ceilings.copy_gbs},
                          {"measured_on", "cpu"}}},
                        {"rows", nlohmann::json::array()}};
  std::printf("%-28s %-8s %5s %10s %6s %10s %8s\n", "op", "pass", "calls", "ms", "share", "rate",
              "ceiling");
  for (const Row& row : rows) {
    const double rate =
        row.seconds > 0 ? (row.flops > 0 ? row.flops : row.bytes) / row.seconds / 1e9 : 0;
    const double ceiling = row.flops > 0 ? ceilings.sgemm_gflops : ceilings.copy_gbs;
    const bool measured = row.calls > 0 && (row.flops > 0 || row.bytes > 0);
    const std::string unit = row.flops > 0 ? " GFLOP/s" : " GB/s";
    std::printf("%-28s %-8s %5d %10.2f %5.1f%% %10s %8s\n", row.op.c_str(), row.pass.c_str(),
                row.calls, row.seconds * 1e3, 100.0 * row.seconds / step_seconds,
                measured ? (fixed(rate, 1) + unit).c_str() : "",
                measured && on_cpu ? (fixed(100.0 * rate / ceiling, 0) + "%").c_str() : "");
    report["rows"].push_back({{"op", row.op},
                              {"pass", row.pass},
                              {"calls", row.calls},
                              {"seconds", row.seconds},
                              {"share", row.seconds / step_seconds},
                              {"flops", row.flops},
                              {"bytes", row.bytes}});
  }
  std::printf(
      "\nstep: %.1f ms (%.1f img/s); ceilings here: sgemm %.0f GFLOP/s, copy %.1f GB/s%s\n"
      "rate: GFLOP/s for ops that multiply matrices (backward: 2x the forward's FLOPs),\n"
      "GB/s of their float32 tensors (each read or written once) for the rest\n",
      step_seconds * 1e3, o.batch / step_seconds, ceilings.sgemm_gflops, ceilings.copy_gbs,
      on_cpu ? "" : " (the CPU's; no ceiling fraction for a GPU)");

  if (!o.json.empty()) write_file_atomically(o.json, report.dump(2) + "\n");
  if (!o.trace.empty()) {
    nlohmann::json events = nlohmann::json::array();
    for (const ProfileOps::Event& e : profile.events()) {
      events.push_back({{"name", e.op},
                        {"cat", e.backward ? "backward" : "forward"},
                        {"ph", "X"},
                        {"ts", (e.start - begin) * 1e6},
                        {"dur", e.seconds * 1e6},
                        {"pid", 1},
                        {"tid", e.backward ? 2 : 1},
                        {"args", {{"flops", e.flops}, {"bytes", e.bytes}}}});
    }
    events.push_back({{"name", "optimizer step (adam)"},
                      {"cat", "optimizer"},
                      {"ph", "X"},
                      {"ts", (backward_done - begin) * 1e6},
                      {"dur", (end - backward_done) * 1e6},
                      {"pid", 1},
                      {"tid", 3}});
    write_file_atomically(o.trace, nlohmann::json{{"traceEvents", events}}.dump() + "\n");
  }
}

}  // namespace

void add_profile_command(CLI::App& app) {
  auto o = std::make_shared<ProfileOptions>();
  CLI::App* cmd = app.add_subcommand(
      "profile", "Break one training step down per op: time, share, GFLOP/s or GB/s, ceiling");
  cmd->footer(
      "Trains on random images (Adam; cross-entropy, or MSE for an autoencoder): warm-up\n"
      "steps, then one step timed op by op, forward and backward apart, sorted by time.\n"
      "Examples:\n"
      "  leuko profile --model wbc_net\n"
      "  leuko profile --model resnet18 --batch 8 --json resnet18.json\n"
      "  leuko profile --model wbc_net --trace step.json   (open in Perfetto or chrome://tracing)");
  add_model_options(cmd, o->model, o->size);
  cmd->add_option("--device", o->device, "cpu | cuda | cuda-emu");
  cmd->add_option("--batch", o->batch, "images per step")->check(in_range(1, 256));
  cmd->add_option("--steps", o->steps, "steps in all; the last is profiled (default 4)")
      ->check(in_range(1, 100));
  cmd->add_option("--json", o->json, "also write the rows as JSON to this file");
  cmd->add_option("--trace", o->trace, "also write a Chrome trace (Perfetto) to this file");
  cmd->callback([o] { run_profile(*o); });
}

}  // namespace leuko::cli
