// `leuko bench`: each benchmark run small through the built binary, its JSON checked against
// its own table's arithmetic (a fraction is the rate over the ceiling measured beside it), and
// its failures (no such layer, no PyTorch, no GPU) as one line each.
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "engine/storage.h"
#include "tests/data/temp_folder.h"
#include "tests/experiments/run_leuko.h"
#include "tests/support/testing.h"

namespace leuko {
namespace {

using testing::read_text;
using testing::run_leuko;

}  // namespace

TEST_CASE("bench ops rates conv layers against sgemm and memory-bound ops against the copy") {
  testing::TempFolder scratch;
  const std::string json = (scratch / "ops.json").string();
  const auto r = run_leuko("bench ops --layers wbc.head --batch 2 --json " + json, scratch.path());
  REQUIRE(r.code == 0);
  CHECK(r.out.find("wbc.head") != std::string::npos);
  CHECK(r.out.find("max_pool2d") != std::string::npos);
  CHECK(r.err.find("bench conv2d [1/1] wbc.head") != std::string::npos);  // the progress line
  const nlohmann::json result = nlohmann::json::parse(read_text(json));
  REQUIRE(result["ceilings"]["sgemm_conv_shapes"].size() == 1);  // wbc.head's product only
  CHECK(result["ceilings"]["sgemm_square_2048_gflops"].get<double>() > 0);
  const nlohmann::json& conv = result["conv2d"]["conv2d"];
  REQUIRE(conv.size() == 1);
  CHECK(conv[0]["input"] == nlohmann::json({2, 16, 16, 16}));
  CHECK(conv[0]["fraction_of_ceiling"].get<double>() ==
        doctest::Approx(conv[0]["forward_backward_gflops"].get<double>() /
                        conv[0]["sgemm_ceiling_gflops"].get<double>()));
  const nlohmann::json& ops = result["memory_bound_ops"]["ops"];
  CHECK(ops.size() == 15);  // five ops at three activation sizes
  const double copy = result["memory_bound_ops"]["copy_gbps"].get<double>();
  for (const nlohmann::json& op : ops) {
    CHECK(op["input"][0] == 2);
    CHECK(op["forward_fraction_of_copy"].get<double>() ==
          doctest::Approx(op["forward_gbps"].get<double>() / copy));
  }
}

TEST_CASE("bench train times whole training steps of a network from the catalog") {
  testing::TempFolder scratch;
  const std::string json = (scratch / "train.json").string();
  const auto r =
      run_leuko("bench train --model tiny_cnn --batch 4 --steps 2 --json " + json, scratch.path());
  REQUIRE(r.code == 0);
  CHECK(r.out.find("tiny_cnn") != std::string::npos);
  const nlohmann::json row = nlohmann::json::parse(read_text(json))["results"][0];
  CHECK(row["batch"] == 4);
  CHECK(row["input"] == nlohmann::json({3, 32, 32}));
  CHECK(row["images_per_s"].get<double>() == doctest::Approx(4 / row["step_s"].get<double>()));
  CHECK(row["peak_rss_mib"].get<double>() > 0);
}

TEST_CASE(
    "bench data-parallel times a step alone, with the all-reduce after backward, overlapped") {
  // One rank here (two: bench/scaling.sh under mpirun): the arithmetic of the row is checked.
  testing::TempFolder scratch;
  const std::string json = (scratch / "dp.json").string();
  const auto r = run_leuko(
      "bench data-parallel --model tiny_cnn --batch 4 --steps 2 --bucket-kib 16 --json " + json,
      scratch.path());
  REQUIRE(r.code == 0);
  CHECK(r.out.find("tiny_cnn") != std::string::npos);
  const nlohmann::json row = nlohmann::json::parse(read_text(json))["results"][0];
  CHECK(row["ranks"] == 1);
  CHECK(row["backend"] == "single");
  CHECK(row["batch_per_rank"] == 4);
  CHECK(row["buckets"].get<int64_t>() >= 3);  // 97 KB of gradients in 16 KiB buckets
  CHECK(row["buckets_started_during_backward"] == row["buckets"]);  // all of them, in order
  CHECK(row["slowest_rank_local_step_s"].get<double>() ==
        doctest::Approx(row["local_step_s"].get<double>()).epsilon(1e-6));  // float32 gather
  CHECK(row["images_per_s"].get<double>() ==
        doctest::Approx(4 / row["overlapped_step_s"].get<double>()));
  CHECK(row["overlap_saves_s"].get<double>() ==
        doctest::Approx(row["after_backward_step_s"].get<double>() -
                        row["overlapped_step_s"].get<double>()));
}

TEST_CASE("bench vs-pytorch times the same network in both frameworks, or says what is missing") {
  testing::TempFolder scratch;
  const auto missing =
      run_leuko("bench vs-pytorch --model wbc_net --python /bin/false", scratch.path());
  CHECK(missing.code == 1);
  CHECK(missing.err.find("install Debian's python3-torch") != std::string::npos);
  const auto other = run_leuko("bench vs-pytorch --model tiny_cnn", scratch.path());
  CHECK(other.code == 2);  // tiny_cnn has no PyTorch twin in scripts/bench_pytorch.py

  if (std::system("/usr/bin/python3 -c 'import torch' 2>/dev/null") != 0) {
    MESSAGE("skipped the PyTorch run: python3-torch is not installed (scripts/setup.sh --dev)");
    return;
  }
  const std::string json = (scratch / "versus.json").string();
  const auto r = run_leuko("bench vs-pytorch --model wbc_net --batch 2 --steps 1 --json " + json,
                           scratch.path());
  REQUIRE(r.code == 0);
  const nlohmann::json row = nlohmann::json::parse(read_text(json))["results"][0];
  CHECK(row["pytorch"]["framework"].get<std::string>().rfind("pytorch", 0) == 0);
  CHECK(row["pytorch"]["batch"] == 2);
  CHECK(row["throughput_ratio"].get<double>() ==
        doctest::Approx(row["leuko"]["images_per_s"].get<double>() /
                        row["pytorch"]["images_per_s"].get<double>()));
}

TEST_CASE("bench ops with a layer prefix that matches nothing, and bench gpu without a GPU") {
  testing::TempFolder scratch;
  const auto none = run_leuko("bench ops --layers zz", scratch.path());
  CHECK(none.code == 1);
  CHECK(none.err.find("no conv layer's name starts with 'zz' (the layers: wbc.conv1") !=
        std::string::npos);
  if (!device_available(Device::cuda)) {
    const auto gpu = run_leuko("bench gpu", scratch.path());
    CHECK(gpu.code == 1);
    CHECK(gpu.err.find("bench gpu: ") != std::string::npos);
  }
}

}  // namespace leuko
