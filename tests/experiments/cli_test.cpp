// End-to-end tests of the `leuko` command line: the built binary is run on tiny generated
// data in a temp folder, and its exit codes, messages and run folders are checked. The
// binary is the one built next to this test (run `ninja leuko` before ctest).
#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "engine/data/synthetic.h"
#include "engine/io/checkpoint.h"
#include "engine/io/safetensors.h"
#include "engine/ops.h"
#include "engine/storage.h"
#include "tests/data/temp_folder.h"
#include "tests/experiments/run_leuko.h"
#include "tests/support/testing.h"

namespace leuko {
namespace {

namespace fs = std::filesystem;

using Result = testing::LeukoResult;
using testing::read_text;

Result leuko(const std::string& arguments, const fs::path& scratch) {
  return testing::run_leuko(arguments, scratch);
}

int64_t count_lines(const std::string& text) {
  return static_cast<int64_t>(std::count(text.begin(), text.end(), '\n'));
}

// A small image folder of generated cells (5 classes, 32x32).
fs::path make_data(const testing::TempFolder& folder, int64_t per_class = 8) {
  const fs::path root = folder / "data";
  data::write_synthetic_folder(
      root, {.size = 32, .train_per_class = per_class, .test_per_class = 4, .seed = 3});
  return root;
}

const std::string kTiny = " --model tiny_cnn --size 32 --batch 8 --workers 1 --seed 5";

}  // namespace

TEST_CASE("every command has --help with examples") {
  testing::TempFolder scratch;
  for (const std::string command : {"train", "eval", "predict", "summary", "profile"}) {
    const Result r = leuko(command + " --help", scratch.path());
    CHECK(r.code == 0);
    CHECK(r.out.find("Examples") != std::string::npos);
  }
  const Result info = leuko("info", scratch.path());
  CHECK(info.code == 0);
  CHECK(info.out.find("devices: cpu") != std::string::npos);
  CHECK(info.out.find("threads") != std::string::npos);
}

TEST_CASE("summary lists a network's layers with the spec's parameter counts") {
  testing::TempFolder scratch;
  const Result wbc = leuko("summary --model wbc_net", scratch.path());
  CHECK(wbc.code == 0);
  CHECK(wbc.out.find("parameters: 175,533 (175,533 trainable, 0 frozen)") != std::string::npos);
  CHECK(wbc.out.find("res4") != std::string::npos);
  // The combined model builds its pretrained parts untrained for a summary: the spec's
  // trainable count, the frozen branches counted apart.
  const Result combined = leuko("summary --model combined_wbc", scratch.path());
  CHECK(combined.code == 0);
  CHECK(combined.out.find("861,552 trainable") != std::string::npos);
  const Result small = leuko("summary --model wbc_net --size 16", scratch.path());
  CHECK(small.code == 2);
  CHECK(small.err.find("at least 32") != std::string::npos);
}

TEST_CASE("profile breaks a step down per op, its rows add up to the step, JSON and trace") {
  testing::TempFolder scratch;
  const std::string json = (scratch / "profile.json").string();
  const std::string trace = (scratch / "trace.json").string();
  const Result r = leuko("profile --model tiny_cnn --batch 4 --json " + json + " --trace " + trace,
                         scratch.path());
  REQUIRE(r.code == 0);
  CHECK(r.out.find("conv2d") != std::string::npos);
  CHECK(r.out.find("GFLOP/s") != std::string::npos);
  const nlohmann::json report = nlohmann::json::parse(read_text(json));
  double total = 0;
  bool conv_forward = false, conv_backward = false;
  for (const nlohmann::json& row : report["rows"]) {
    total += row["seconds"].get<double>();
    if (row["op"] == "conv2d") {
      (row["pass"] == "forward" ? conv_forward : conv_backward) = true;
      CHECK(row["flops"].get<int64_t>() > 0);
    }
  }
  CHECK(conv_forward);
  CHECK(conv_backward);
  // The rows are the ops, the optimizer and what lies between ops: the whole step.
  CHECK(total == doctest::Approx(report["step_seconds"].get<double>()).epsilon(1e-9));
  const nlohmann::json events = nlohmann::json::parse(read_text(trace))["traceEvents"];
  REQUIRE(events.size() > 4);
  CHECK(events[0]["ph"] == "X");
}

TEST_CASE("a wrong flag or value gets one line and exit code 2") {
  testing::TempFolder scratch;
  const std::string file = (scratch / "file").string();
  testing::write_bytes(file, {1});
  for (const std::string& arguments : std::vector<std::string>{
           "train --model tiny_cnn --bogus", "train --model tiny_cnn --optimizer adagrad",
           "train --model tiny_cnn --epochs -3", "eval --data /nonexistent",
           // Values checked while parsing, each against a range a person can read.
           "train --model nonexistent", "train --model tiny_cnn --device tpu",
           "train --model tiny_cnn --lr nan", "train --model tiny_cnn --lr inf",
           "train --model tiny_cnn --lr 0", "train --model tiny_cnn --size 0",
           "train --model tiny_cnn --size 99999", "train --model tiny_cnn --size -32",
           "train --model tiny_cnn --size 4294967360", "train --model tiny_cnn --size 32x",
           "train --model wbc_net --size 128x96", "train --model wbc_net --size 16",
           "train --model kandel_cnn --size 64",
           "train --model tiny_cnn --epochs 9223372036854775807",
           "train --model tiny_cnn --batch 100000", "train --model tiny_cnn --clip-norm nan",
           "train --model tiny_cnn --clip-value -1", "train --model tiny_cnn --seed -1",
           "train --model tiny_cnn --seed 1e3", "train --model tiny_cnn --workers 100000",
           "train --model tiny_cnn --momentum nan", "train --model tiny_cnn --weight-decay 1e308",
           "train --model tiny_cnn --val-fraction nan", "demo --lr nan", "demo --batch 0",
           "demo --steps 1e9", "demo --seed -1", "subsets --seed -1",
           "predict --checkpoint '" + file + "' --batch 0 '" + file + "'",
           "predict --checkpoint '" + file + "' --device tpu '" + file + "'",
           "eval --checkpoint '" + file + "' --data '" + scratch.path().string() + "' --device tpu",
           "reproduce study-a --device tpu --out '" + (scratch / "never").string() + "'"}) {
    const Result r = leuko(arguments, scratch.path());
    INFO(arguments);
    CHECK(r.code == 2);
    CHECK(count_lines(r.err) == 1);
    CHECK_MESSAGE(r.err.size() < 300, r.err);  // no 300-digit bounds
  }
  CHECK_FALSE(fs::exists(scratch / "never"));
}

TEST_CASE("a folder name with shell syntax runs nothing: the commit is read from .git, no shell") {
  testing::TempFolder scratch;
  const fs::path data = make_data(scratch, 4);
  // The binary copied into the folder and started there, as an installed one would be
  // (outside any checkout): the old lookup then ran `git -C '<this folder>'` through a shell.
  const fs::path folder = scratch / "x'; touch PWNED; echo '";
  fs::create_directories(folder);
  fs::copy_file(fs::read_symlink("/proc/self/exe").parent_path() / "leuko", folder / "leuko");
  const std::string command =
      cat("cd \"", folder.string(), "\" && ./leuko train", kTiny, " --epochs 1 --data '",
          data.string(), "' --out run >/dev/null 2>&1");
  CHECK(std::system(command.c_str()) == 0);
  CHECK_FALSE(fs::exists(folder / "PWNED"));
  CHECK_FALSE(fs::exists(scratch / "PWNED"));
  const nlohmann::json config = nlohmann::json::parse(read_text(folder / "run/config.json"));
  const std::string commit = config.at("git_commit");
  CHECK_MESSAGE(
      (commit == "unknown" ||
       (commit.size() == 40 && commit.find_first_not_of("0123456789abcdef") == std::string::npos)),
      commit);
}

TEST_CASE("train, eval and predict round trip on generated cells") {
  testing::TempFolder scratch;
  const fs::path data = make_data(scratch);
  const fs::path run = scratch / "run";
  const Result train = leuko(
      "train" + kTiny + " --epochs 2 --data '" + data.string() + "' --out '" + run.string() + "'",
      scratch.path());
  REQUIRE(train.code == 0);
  CHECK(train.out.find("test: accuracy") != std::string::npos);
  for (const char* file :
       {"config.json", "metrics.csv", "checkpoint.safetensors", "results.json", "report.md",
        "plots/loss.svg", "plots/accuracy.svg", "plots/confusion.svg", "plots/per_class.svg"})
    CHECK_MESSAGE(fs::exists(run / file), file);
  CHECK(count_lines(read_text(run / "metrics.csv")) == 3);  // header + 2 epochs
  const std::string report = read_text(run / "report.md");
  CHECK(report.find("![confusion matrix](plots/confusion.svg)") != std::string::npos);
  CHECK(report.find("| macro avg |") != std::string::npos);
  CHECK(read_text(run / "results.json").find("\"confusion_matrix\"") != std::string::npos);
  CHECK(read_text(run / "config.json").find("\"git_commit\"") != std::string::npos);
  CHECK(read_text(run / "plots/confusion.svg").rfind("<svg", 0) == 0);

  const std::string checkpoint = (run / "checkpoint.safetensors").string();
  const Result eval = leuko("eval --checkpoint '" + checkpoint + "' --data '" + data.string() + "'",
                            scratch.path());
  CHECK(eval.code == 0);
  CHECK(eval.out.find("20 images") != std::string::npos);  // 5 classes x 4 test images
  CHECK(eval.out.find("confusion matrix") != std::string::npos);

  const Result predict =
      leuko("predict --checkpoint '" + checkpoint + "' '" + (data / "test").string() + "'",
            scratch.path());
  CHECK(predict.code == 0);
  CHECK(count_lines(predict.out) == 21);  // header + one row per image
  CHECK(predict.out.rfind("file,predicted,p_basophil,", 0) == 0);
}

TEST_CASE("a run stopped after epoch 1 and resumed ends exactly like an uninterrupted one") {
  testing::TempFolder scratch;
  const fs::path data = make_data(scratch);
  const std::string common = "train" + kTiny + " --epochs 3 --data '" + data.string() + "'";
  const fs::path whole = scratch / "whole", parts = scratch / "parts";
  REQUIRE(leuko(common + " --out '" + whole.string() + "'", scratch.path()).code == 0);

  const Result first =
      leuko(common + " --stop-after 1 --out '" + parts.string() + "'", scratch.path());
  REQUIRE(first.code == 0);
  CHECK(count_lines(read_text(parts / "metrics.csv")) == 2);
  CHECK_FALSE(fs::exists(parts / "results.json"));
  const Result second = leuko(common + " --out '" + parts.string() + "'", scratch.path());
  REQUIRE(second.code == 0);
  CHECK(second.out.find("resuming from") != std::string::npos);

  CHECK(read_text(parts / "metrics.csv") == read_text(whole / "metrics.csv"));
  CHECK(read_text(parts / "results.json") == read_text(whole / "results.json"));
  const Checkpoint a = load_checkpoint((whole / "checkpoint.safetensors").string());
  const Checkpoint b = load_checkpoint((parts / "checkpoint.safetensors").string());
  CHECK(a.epoch == 3);
  CHECK(b.epoch == 3);
  REQUIRE(a.model.size() == b.model.size());
  for (const auto& [name, tensor] : a.model) {
    INFO(name);
    REQUIRE(b.model.count(name) == 1);
    if (tensor.dtype() == DType::f32)
      CHECK(tensor.to_vector() == b.model.at(name).to_vector());
    else
      CHECK(tensor.to_vector_i64() == b.model.at(name).to_vector_i64());
  }
}

TEST_CASE("training on cuda-emu (batches uploaded on the copy stream) follows the CPU run") {
  testing::TempFolder scratch;
  const fs::path data = make_data(scratch, 4);
  const std::string common = "train" + kTiny + " --epochs 2 --data '" + data.string() + "'";
  const fs::path on_cpu = scratch / "cpu", emulated = scratch / "emu";
  REQUIRE(leuko(common + " --out '" + on_cpu.string() + "'", scratch.path()).code == 0);
  REQUIRE(
      leuko(common + " --device cuda-emu --out '" + emulated.string() + "'", scratch.path()).code ==
      0);
  // metrics.csv: epoch,lr,train_loss,... The two backends sum in different orders, so the
  // losses agree to float rounding grown over 2 epochs of training, not bit for bit.
  const auto train_losses = [](const fs::path& run) {
    std::istringstream lines(read_text(run / "metrics.csv"));
    std::string line;
    std::getline(lines, line);  // header
    std::vector<double> losses;
    while (std::getline(lines, line)) {
      std::istringstream fields(line);
      std::string field;
      for (int column = 0; column < 3; ++column) std::getline(fields, field, ',');
      losses.push_back(std::stod(field));
    }
    return losses;
  };
  const std::vector<double> cpu_losses = train_losses(on_cpu), emu_losses = train_losses(emulated);
  REQUIRE(cpu_losses.size() == 2);
  REQUIRE(emu_losses.size() == 2);
  for (size_t epoch = 0; epoch < cpu_losses.size(); ++epoch)
    CHECK(emu_losses[epoch] == doctest::Approx(cpu_losses[epoch]).epsilon(1e-3));
}

TEST_CASE("an autoencoder run writes reconstructions next to their inputs") {
  testing::TempFolder scratch;
  const fs::path data = make_data(scratch, 4);
  const fs::path run = scratch / "ae";
  const Result r = leuko(
      "train --model prcc_autoencoder --size 16 --batch 8 --epochs 1 --workers 1"
      " --val-fraction 0 --data '" +
          data.string() + "' --out '" + run.string() + "'",
      scratch.path());
  REQUIRE(r.code == 0);
  CHECK(fs::exists(run / "reconstructions/0_input.png"));
  CHECK(fs::exists(run / "reconstructions/0_output.png"));
  CHECK(read_text(run / "report.md").find("reconstructions/0_output.png") != std::string::npos);
  CHECK(read_text(run / "report.md").find("accuracy") == std::string::npos);
}

TEST_CASE("bad input gets one clear message and exit code 1") {
  testing::TempFolder scratch;
  const fs::path data = make_data(scratch, 4);
  const std::string tiny =
      "train" + kTiny + " --epochs 1 --out '" + (scratch / "run").string() + "'";
  const auto expect_failure = [&](const std::string& arguments, const std::string& message) {
    const Result r = leuko(arguments, scratch.path());
    INFO(arguments);
    CHECK(r.code == 1);
    CHECK(count_lines(r.err) == 1);
    CHECK_MESSAGE(r.err.find(message) != std::string::npos, r.err);
  };
  expect_failure(tiny + " --data '" + (scratch / "missing").string() + "'", "missing");

  // A corrupt image names the file.
  testing::write_bytes(data / "train/basophil/broken.png", {0x89, 'P', 'N', 'G', 1, 2, 3});
  expect_failure(tiny + " --data '" + data.string() + "'", "broken.png");
  // ... unless asked to skip it: then it is left out and counted, and the run completes.
  const Result skipped = leuko("train" + kTiny + " --epochs 1 --skip-bad-images --data '" +
                                   data.string() + "' --out '" + (scratch / "skip").string() + "'",
                               scratch.path());
  CHECK(skipped.code == 0);
  CHECK_MESSAGE(skipped.out.find("1 unreadable training image(s) skipped") != std::string::npos,
                skipped.out);
  fs::remove(data / "train/basophil/broken.png");

  // An empty class folder.
  fs::create_directories(data / "train/zz_empty");
  expect_failure(tiny + " --data '" + data.string() + "'", "zz_empty");
  fs::remove(data / "train/zz_empty");

  // A NaN loss names the epoch and the step.
  expect_failure("train" + kTiny +
                     " --epochs 1 --optimizer sgd --lr 1e30 --schedule constant"
                     " --data '" +
                     data.string() + "' --out '" + (scratch / "nan").string() + "'",
                 "epoch 1 step 2: the loss is");

  // A truncated checkpoint, and a resume into a folder of another model.
  REQUIRE(leuko(tiny + " --data '" + data.string() + "'", scratch.path()).code == 0);
  const fs::path checkpoint = scratch / "run/checkpoint.safetensors";
  expect_failure("train --model wbc_net --epochs 1 --workers 1 --data '" + data.string() +
                     "' --out '" + (scratch / "run").string() + "'",
                 "holds a run of model 'tiny_cnn'");
  std::vector<uint8_t> bytes = testing::read_bytes(checkpoint);
  bytes.resize(bytes.size() / 2);
  testing::write_bytes(scratch / "truncated.safetensors", bytes);
  expect_failure("eval --checkpoint '" + (scratch / "truncated.safetensors").string() +
                     "' --data '" + data.string() + "'",
                 "truncated.safetensors");

  if (!device_available(Device::cuda))
    expect_failure(tiny + " --device cuda --data '" + data.string() + "'", "--device cuda");
}

TEST_CASE("weights that do not fit or are not numbers, and configs asking too much, get one line") {
  testing::TempFolder scratch;
  const fs::path data = make_data(scratch, 4);
  const fs::path run = scratch / "run";
  REQUIRE(leuko("train" + kTiny + " --epochs 1 --data '" + data.string() + "' --out '" +
                    run.string() + "'",
                scratch.path())
              .code == 0);
  const Checkpoint good = load_checkpoint((run / "checkpoint.safetensors").string());
  const auto expect_failure = [&](const std::string& arguments, const std::string& message) {
    const Result r = leuko(arguments, scratch.path());
    INFO(arguments);
    CHECK(r.code == 1);
    CHECK(count_lines(r.err) == 1);
    CHECK_MESSAGE(r.err.find(message) != std::string::npos, r.err);
    return r;
  };
  const auto eval = [&](const fs::path& checkpoint) {
    return "eval --checkpoint '" + checkpoint.string() + "' --data '" + data.string() + "'";
  };
  const std::string train = "train" + kTiny + " --epochs 1 --data '" + data.string() + "' --out '" +
                            (scratch / "again").string() + "' --weights ";

  // Another model's weights: nothing of them fits tiny_cnn.
  const fs::path foreign = scratch / "foreign.safetensors";
  std::map<std::string, Tensor> other;
  for (int i = 0; i < 40; ++i) other[cat("encoder.", i, ".weight")] = zeros({2});
  save_safetensors(foreign.string(), other);
  expect_failure(train + "'" + foreign.string() + "'",
                 "foreign.safetensors: does not fit tiny_cnn (0 of its");
  // The same as a checkpoint given to eval: one line, and every name with --verbose.
  Checkpoint mismatched = good;
  mismatched.model = other;
  save_checkpoint((scratch / "mismatched.safetensors").string(), mismatched);
  expect_failure(eval(scratch / "mismatched.safetensors"),
                 "40 not in the network; --verbose lists them");
  const Result verbose =
      leuko(eval(scratch / "mismatched.safetensors") + " --verbose", scratch.path());
  CHECK(verbose.code == 1);
  CHECK(count_lines(verbose.err) > 40);

  // A NaN weight, for eval, predict and --weights.
  Checkpoint poisoned = good;
  auto parameter =
      std::find_if(poisoned.model.begin(), poisoned.model.end(),
                   [](const auto& entry) { return entry.second.dtype() == DType::f32; });
  REQUIRE(parameter != poisoned.model.end());
  const std::string name = parameter->first;
  Tensor weight = parameter->second.clone();
  weight.data<float>()[0] = std::nanf("");
  poisoned.model[name] = weight;
  const fs::path nan = scratch / "nan.safetensors";
  save_checkpoint(nan.string(), poisoned);
  const std::string named = cat("nan.safetensors: tensor '", name, "' holds nan");
  expect_failure(eval(nan), named);
  expect_failure("predict --checkpoint '" + nan.string() + "' '" + (data / "test").string() + "'",
                 named);
  expect_failure(train + "'" + nan.string() + "'", named);

  // A run config asking for 100000 loader threads.
  Checkpoint greedy = good;
  nlohmann::json config = nlohmann::json::parse(greedy.info.at("config"));
  config["workers"] = 100000;
  greedy.info["config"] = config.dump();
  save_checkpoint((scratch / "greedy.safetensors").string(), greedy);
  expect_failure(eval(scratch / "greedy.safetensors"),
                 "greedy.safetensors: its run config asks for workers 100000; expected 0 to 64");
}

}  // namespace leuko

namespace leuko {

TEST_CASE("leuko subsets prints WBC-1/10/50/100 counts equal to floor(p * N_c)") {
  const testing::TempFolder folder;
  data::write_synthetic_folder(
      folder / "pbc", {.size = 16, .train_per_class = 120, .test_per_class = 1, .seed = 4});
  const Result synthetic =
      leuko(cat("subsets --data '", folder.path().string(), "'"), folder.path());
  CHECK(synthetic.code == 0);
  CHECK(synthetic.out.find("every count equals floor(p * N_c)") != std::string::npos);
  CHECK(synthetic.out.find("1 / 1") != std::string::npos);    // WBC-1 of 120 images
  CHECK(synthetic.out.find("60 / 60") != std::string::npos);  // WBC-50

  // --write lays WBC-50 out as Study A's sub-run sees it: the draw in train/, pbc/test
  // split 70/30 into test/ and val/ (here 1 test image a class).
  const std::string out = (folder / "wbc-50").string();
  const Result written =
      leuko(cat("subsets --data '", folder.path().string(), "' --write 50 --out '", out, "'"),
            folder.path());
  REQUIRE(written.code == 0);
  const auto files = [&](const char* split) {
    int64_t n = 0;
    for (const auto& entry : fs::recursive_directory_iterator(fs::path(out) / split))
      n += entry.is_regular_file() ? 1 : 0;
    return n;
  };
  const int64_t classes = static_cast<int64_t>(
      std::distance(fs::directory_iterator(folder / "pbc" / "train"), fs::directory_iterator()));
  CHECK(files("train") == 60 * classes);
  CHECK(files("test") + files("val") == classes);
  // As torch's random_split: floor(0.7 n) and floor(0.3 n), the one left over to the first.
  const int64_t n = classes, left_over = n - n * 7 / 10 - n * 3 / 10;
  CHECK(files("test") == n * 7 / 10 + (left_over > 0 ? 1 : 0));
  CHECK_FALSE(fs::exists(out + ".partial"));
  const Result again =
      leuko(cat("subsets --data '", folder.path().string(), "' --write 50 --out '", out, "'"),
            folder.path());
  CHECK(again.code == 1);
  CHECK(again.err.find("exists") != std::string::npos);
  CHECK(leuko("subsets --write 50", folder.path()).code == 2);  // --write needs --out

  const Result missing =
      leuko(cat("subsets --data '", (folder / "nowhere").string(), "'"), folder.path());
  CHECK(missing.code == 1);
  CHECK(count_lines(missing.err) == 1);

  const char* root = std::getenv("LEUKO_DATA");
  if (root == nullptr) {
    MESSAGE("real pbc part skipped: LEUKO_DATA is not set");
    return;
  }
  const Result real = leuko(cat("subsets --data '", root, "'"), folder.path());
  CHECK(real.code == 0);
  CHECK(real.out.find("every count equals floor(p * N_c)") != std::string::npos);
}

}  // namespace leuko
